#include "cli/commands.hpp"
#include "core/progress.hpp"
#include "render/style.hpp"
#include "core/watch_progress.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace asynclings::grader {

namespace {
std::string short_name(const Chapter& c) { return "ch" + std::to_string(c.number); }

// The manifests as scripts need them (the Gradescope script, the workflow, benches): every
// field with the derived ones filled in, so no script reads chapter.json itself.
nlohmann::ordered_json fixtures_json(const std::vector<Mistake>& list, bool with_diagnosis) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& m : list) {
    nlohmann::ordered_json j = {{"name", m.name}, {"fixture", m.fixture}, {"replaces", m.replaces}, {"patch", m.patch}};
    if (with_diagnosis) j["diagnosis"] = m.diagnosis;
    out.push_back(std::move(j));
  }
  return out;
}

int list_json(const Session& session) {
  auto chapters = nlohmann::ordered_json::array();
  for (const auto& c : session.chapters) {
    auto exercises = nlohmann::ordered_json::array();
    for (const auto& e : c.exercises) {
      auto contract = nlohmann::ordered_json::array();
      for (const auto& clause : e.contract) contract.push_back({{"clause", clause.clause}, {"tests", clause.tests}});
      exercises.push_back({{"id", e.id}, {"name", e.name}, {"title", e.title}, {"edit", e.edit}, {"test", e.test},
                           {"time_limit_seconds", e.time_limit_seconds}, {"inherent_delay_ms", e.inherent_delay_ms},
                           {"memory_limit_mb", e.memory_limit_mb}, {"exclusive_cpu", e.exclusive_cpu},
                           {"allow", e.allow}, {"hints", e.hints.size()}, {"contract", contract},
                           {"mistakes", fixtures_json(e.mistakes, true)},
                           {"alternatives", fixtures_json(e.alternatives, false)}});
    }
    chapters.push_back({{"dir", c.dir_name}, {"number", c.number}, {"topic", c.topic}, {"title", c.title},
                        {"summary", c.summary}, {"exercises", exercises}});
  }
  std::printf("%s\n", nlohmann::ordered_json{{"chapters", chapters}}.dump(2).c_str());
  return 0;
}
}  // namespace

int run_list(const ListOptions& options) {
  Session session = open_session(options.common);
  if (options.format == "json") return list_json(session);
  const Style style = Style::for_stream(stdout);
  Progress progress(Progress::default_file(session.workbook.build_dir));
  if (session.chapters.empty()) {
    std::printf("The workbook at %s has no chapters yet.\n", session.workbook.root.c_str());
    return 0;
  }
  int total = 0, passed = 0;
  const Chapter* next_chapter = next_chapter_to_do(session.chapters, progress);
  const Exercise* next_exercise = next_chapter ? next_exercise_to_do(*next_chapter, progress) : nullptr;
  for (const auto& c : session.chapters) {
    std::printf("%s  %s\n", style.bold(c.dir_name).c_str(), c.title.c_str());
    if (!c.summary.empty()) std::printf("    %s\n", style.dim(c.summary).c_str());
    for (const auto& e : c.exercises) {
      ++total;
      const ListState state = list_state(progress.find(c, e), edited_files_stamp(c, e));
      std::string mark;
      switch (state) {
        case ListState::passed: mark = style.green("[done]"); ++passed; break;
        case ListState::failing: mark = style.red("[fail]"); break;
        case ListState::not_started: mark = style.yellow("[todo]"); break;
        case ListState::edited: mark = style.cyan("[edit]"); break;
        case ListState::unchecked: mark = style.dim("[    ]"); break;
      }
      std::printf("  %s %-4s %-16s %s\n", mark.c_str(), e.id.c_str(), e.name.c_str(), e.title.c_str());
    }
    std::printf("\n");
  }
  std::printf("%s\n", style.dim("[done] passed  [fail] failing  [todo] not started  [edit] edited since last check  [    ] not checked yet").c_str());
  const int width = 30;
  const int filled = total == 0 ? 0 : passed * width / total;
  std::printf("progress [%s%s] %d/%d exercises passed\n", style.green(std::string(static_cast<std::size_t>(filled), '#')).c_str(),
              std::string(static_cast<std::size_t>(width - filled), '.').c_str(), passed, total);
  if (next_exercise != nullptr) {
    std::printf("next: %s %s %s, edit %s, then run  %s\n", next_chapter->dir_name.c_str(), next_exercise->id.c_str(),
                next_exercise->title.c_str(), (next_chapter->dir / next_exercise->edit.front()).lexically_relative(session.workbook.root).c_str(),
                style.bold(fmt::format("grader check {} {}", short_name(*next_chapter), next_exercise->id)).c_str());
  } else {
    std::printf("%s\n", style.green("every exercise passes. Well done.").c_str());
  }
  return 0;
}

}  // namespace asynclings::grader

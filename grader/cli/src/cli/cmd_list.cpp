#include "cli/commands.hpp"
#include "core/progress.hpp"
#include "render/list_view.hpp"
#include "render/style.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace asynclings::grader {

namespace {

struct ListOptions {
  CommonOptions common;
  std::string format = "text";  // text, or json: the manifests with derived fields, for scripts
};
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

int run_list(const ListOptions& options) {
  Session session = open_session(options.common);
  if (options.format == "json") return list_json(session);
  const Progress progress(Progress::default_file(session.workbook.build_dir));
  std::fputs(render_list_text(session, progress, Style::for_stream(stdout)).c_str(), stdout);
  return 0;
}

}  // namespace

Verb add_list(CLI::App& app) {
  auto list = std::make_shared<ListOptions>();
  auto* command = app.add_subcommand("list", "Chapters and exercises with your progress");
  add_common_options(command, list->common);
  command->add_option("--format", list->format, "text, or json (every manifest, for scripts)")
      ->check(CLI::IsMember({"text", "json"}));
  return {command, [list] { return run_list(*list); }};
}

}  // namespace asynclings::grader

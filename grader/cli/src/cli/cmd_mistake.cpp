// grader mistake new|show|refresh: authoring wrong-solution (and alternative) fixtures as
// patches against the solution (docs/chapter-format.md).
#include "cli/commands.hpp"
#include "core/patch.hpp"
#include "core/resolve.hpp"
#include "sandbox/process.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace asynclings::grader {
namespace {

// Authoring fixtures as patches.
struct MistakeOptions {
  CommonOptions common;
  std::string verb;  // new, show, refresh
  std::string chapter;
  std::string exercise;
  std::string name;
  std::filesystem::path from;    // new: the edited copy to record
  std::string diagnosis;         // new: when it differs from the name
  bool alternative = false;      // new: a correct alternative instead of a mistake
  std::filesystem::path output;  // show: write here instead of stdout
  std::string base = "HEAD";     // refresh: the revision the patches were recorded against
};

namespace fs = std::filesystem;

void write_file(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error(path.string() + ": cannot be written");
}

struct Located {
  const Chapter* chapter;
  const Exercise* exercise;
  fs::path solution_dir;
};

Located locate(const Session& session, const MistakeOptions& options) {
  const Chapter& chapter = resolve_chapter(session.chapters, options.chapter);
  const Exercise& exercise = resolve_exercise(chapter, options.exercise);
  return {&chapter, &exercise, session.workbook.root / "solutions" / chapter.dir_name};
}

const Mistake* find_fixture(const Exercise& e, const std::string& name) {
  for (const auto* list : {&e.mistakes, &e.alternatives, &e.mistakes_checked_by_hand})
    for (const auto& m : *list)
      if (m.name == name) return &m;
  return nullptr;
}

// Adds {"name": …} to the exercise's "mistakes" (or "alternatives") list in the manifest's
// text, keeping the rest of the file as the author wrote it. False when the list cannot be
// found (then the author adds the line).
bool add_to_manifest(const fs::path& manifest, const std::string& exercise_id, const std::string& list,
                     const std::string& entry) {
  std::string text = read_text_file(manifest);
  const auto at = text.find("\"id\": \"" + exercise_id + "\"");
  if (at == std::string::npos) return false;
  const auto next_exercise = text.find("\"id\": \"", at + 1);
  const auto key = text.find("\"" + list + "\": [", at);
  if (key == std::string::npos || (next_exercise != std::string::npos && key > next_exercise)) return false;
  const auto bracket = text.find('[', key);
  const auto line_start = text.rfind('\n', key) + 1;
  const std::string indent(key - line_start, ' ');
  if (text.compare(bracket, 2, "[]") == 0) {
    text.replace(bracket, 2, "[\n" + indent + "  " + entry + "\n" + indent + "]");
  } else {
    // Append after the last entry: before the closing bracket of this list.
    int depth = 0;
    std::size_t close = bracket;
    for (std::size_t i = bracket; i < text.size(); ++i) {
      if (text[i] == '[') ++depth;
      if (text[i] == ']' && --depth == 0) {
        close = i;
        break;
      }
    }
    std::size_t last = close;
    while (last > bracket && std::isspace(static_cast<unsigned char>(text[last - 1]))) --last;
    text.insert(last, ",\n" + indent + "  " + entry);
  }
  write_file(manifest, text);
  return true;
}

int mistake_new(const Session& session, const MistakeOptions& options) {
  const Located where = locate(session, options);
  const Exercise& e = *where.exercise;
  if (find_fixture(e, options.name)) {
    std::fprintf(stderr, "grader mistake new: %s %s already has a fixture named %s\n", where.chapter->dir_name.c_str(),
                 e.id.c_str(), options.name.c_str());
    return 2;
  }
  const std::string file = e.edit.front();
  const fs::path solution = where.solution_dir / file;
  fs::path edited = options.from;
  if (edited.empty()) {
    // A copy of the solution to edit; with $EDITOR it opens now, else the author edits it and
    // runs the command again with --from.
    const fs::path draft = session.workbook.build_dir / "fixture-drafts" / where.chapter->dir_name /
                           (e.id + "_" + options.name + fs::path(file).extension().string());
    if (!fs::exists(draft)) write_file(draft, read_text_file(solution));
    const char* editor = std::getenv("VISUAL") ? std::getenv("VISUAL") : std::getenv("EDITOR");
    if (!editor || !*editor || isatty(STDIN_FILENO) != 1) {
      std::printf("a copy of the solution is at %s\nmake the mistake there, then record it with:\n  grader mistake new %s %s %s --from %s%s\n",
                  draft.c_str(), options.chapter.c_str(), options.exercise.c_str(), options.name.c_str(),
                  draft.c_str(), options.alternative ? " --alternative" : "");
      return 0;
    }
    const std::string command = std::string(editor) + " '" + draft.string() + "'";
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "grader mistake new: the editor did not finish cleanly; the draft stays at %s\n", draft.c_str());
      return 2;
    }
    edited = draft;
  }
  const std::string patch = make_patch(file, read_text_file(solution), read_text_file(edited));
  if (patch.empty()) {
    std::fprintf(stderr, "grader mistake new: %s is the solution unchanged: nothing to record\n", edited.c_str());
    return 2;
  }
  const std::string folder = options.alternative ? "alternatives" : "mistakes";
  std::string stem = e.id + "_" + options.name;
  for (char& c : stem)
    if (c == '-') c = '_';
  const fs::path fixture = where.solution_dir / folder / (stem + ".patch");
  write_file(fixture, patch);
  std::string entry = "{\"name\": \"" + options.name + "\"";
  if (!options.diagnosis.empty() && options.diagnosis != options.name) entry += ", \"diagnosis\": \"" + options.diagnosis + "\"";
  entry += "}";
  const fs::path manifest = where.chapter->dir / "chapter.json";
  std::printf("recorded %s (%zu lines)\n", fixture.c_str(), static_cast<std::size_t>(std::count(patch.begin(), patch.end(), '\n')));
  if (add_to_manifest(manifest, e.id, folder, entry)) {
    std::printf("added %s to %s's \"%s\" in %s\n", entry.c_str(), e.id.c_str(), folder.c_str(), manifest.c_str());
    load_chapter(where.chapter->dir);  // still a valid manifest
  } else {
    std::printf("add %s to %s's \"%s\" in %s\n", entry.c_str(), e.id.c_str(), folder.c_str(), manifest.c_str());
  }
  std::printf("next: grader verify %s\n", options.chapter.c_str());
  return 0;
}

int mistake_show(const Session& session, const MistakeOptions& options) {
  const Located where = locate(session, options);
  const Mistake* m = find_fixture(*where.exercise, options.name);
  if (!m) {
    std::fprintf(stderr, "grader mistake show: %s %s has no fixture named %s\n", where.chapter->dir_name.c_str(),
                 where.exercise->id.c_str(), options.name.c_str());
    return 2;
  }
  std::map<std::string, std::string> files;
  if (m->patch) files = apply_patch_file(where.solution_dir / m->fixture, where.solution_dir);
  else files[m->replaces] = read_text_file(where.solution_dir / m->fixture);
  for (const auto& [file, text] : files) {
    if (!options.output.empty()) {
      const fs::path out = files.size() == 1 ? options.output : options.output / file;
      write_file(out, text);
      std::printf("wrote %s\n", out.c_str());
    } else {
      if (files.size() > 1) std::printf("// ---- %s\n", file.c_str());
      std::fputs(text.c_str(), stdout);
    }
  }
  return 0;
}

// The solution as it was at <revision> (git), for re-basing a patch recorded against it.
std::optional<std::string> solution_at(const Session& session, const fs::path& solution, const std::string& revision) {
  RunOptions run;
  run.working_dir = session.workbook.root;
  run.time_limit = std::chrono::seconds(20);
  const auto relative = fs::relative(solution, session.workbook.root).string();
  const RunResult r = run_process({"git", "show", revision + ":" + relative}, run);
  if (r.ending != Ending::exited || r.exit_code != 0) return std::nullopt;
  return r.output;
}

int mistake_refresh(const Session& session, const MistakeOptions& options) {
  std::vector<const Chapter*> chapters;
  if (!options.chapter.empty()) chapters.push_back(&resolve_chapter(session.chapters, options.chapter));
  else
    for (const auto& c : session.chapters) chapters.push_back(&c);
  int refreshed = 0, unchanged = 0, conflicts = 0;
  const fs::path scratch = session.workbook.build_dir / "fixture-refresh";
  for (const Chapter* c : chapters) {
    const fs::path solution_dir = session.workbook.root / "solutions" / c->dir_name;
    for (const auto& e : c->exercises) {
      if (!options.exercise.empty() && e.id != options.exercise && e.name != options.exercise) continue;
      for (const auto* list : {&e.mistakes, &e.alternatives, &e.mistakes_checked_by_hand}) {
        for (const auto& m : *list) {
          if (!m.patch) continue;
          const fs::path patch_path = solution_dir / m.fixture;
          const std::string label = c->dir_name + " " + e.id + " " + m.name;
          std::string old_patch;
          try {
            old_patch = read_text_file(patch_path);
            // Still applies (perhaps shifted): record it again against today's solution.
            std::string fresh;
            for (const auto& [file, text] : apply_patch_file(patch_path, solution_dir))
              fresh += make_patch(file, read_text_file(solution_dir / file), text);
            if (fresh == old_patch) ++unchanged;
            else {
              write_file(patch_path, fresh);
              ++refreshed;
              std::printf("refreshed  %s (line numbers moved)\n", label.c_str());
            }
            continue;
          } catch (const PatchError&) {
          }
          // It no longer applies: take it back to the solution it was recorded against
          // (--base, default HEAD) and merge the solution's changes into the mistake.
          bool merged_all = true;
          std::string fresh;
          for (const auto& file_patch : parse_patch(old_patch, patch_path.string())) {
            const fs::path solution = solution_dir / file_patch.file;
            const auto base = solution_at(session, solution, options.base);
            std::string mistake_then;
            try {
              if (!base) throw PatchError("no " + file_patch.file + " at " + options.base);
              mistake_then = apply_file_patch(*base, file_patch, patch_path.string());
            } catch (const PatchError& error) {
              std::printf("CONFLICT   %s: %s (try --base <the revision it was recorded against>)\n", label.c_str(), error.what());
              merged_all = false;
              break;
            }
            const fs::path dir = scratch / c->dir_name / (e.id + "-" + m.name);
            write_file(dir / "mistake", mistake_then);
            write_file(dir / "base", *base);
            write_file(dir / "solution", read_text_file(solution));
            RunOptions run;
            run.time_limit = std::chrono::seconds(20);
            run.output_cap = 0;  // the merged file itself: a capped output would cut its middle out
            const RunResult r = run_process({"git", "merge-file", "-p", "-L", "mistake", "-L", "solution then", "-L",
                                             "solution now", (dir / "mistake").string(), (dir / "base").string(),
                                             (dir / "solution").string()},
                                            run);
            if (r.ending != Ending::exited || r.exit_code != 0) {
              write_file(dir / file_patch.file, r.output);
              std::printf("CONFLICT   %s: the solution's change overlaps the mistake; merged with markers in %s\n",
                          label.c_str(), (dir / file_patch.file).c_str());
              merged_all = false;
              break;
            }
            fresh += make_patch(file_patch.file, read_text_file(solution), r.output);
          }
          if (!merged_all) {
            ++conflicts;
            continue;
          }
          write_file(patch_path, fresh);
          ++refreshed;
          std::printf("re-based   %s (merged the solution's change)\n", label.c_str());
        }
      }
    }
  }
  std::printf("%d refreshed, %d unchanged, %d in conflict\n", refreshed, unchanged, conflicts);
  return conflicts == 0 ? 0 : 1;
}

int run_mistake(const MistakeOptions& options) {
  Session session = open_session(options.common);
  try {
    if (options.verb == "new") return mistake_new(session, options);
    if (options.verb == "show") return mistake_show(session, options);
    if (options.verb == "refresh") return mistake_refresh(session, options);
  } catch (const PatchError& e) {
    std::fprintf(stderr, "grader mistake %s: %s\n", options.verb.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "grader mistake: new, show or refresh\n");
  return 2;
}

}  // namespace

Verb add_mistake(CLI::App& app) {
  auto mistake = std::make_shared<MistakeOptions>();
  auto* command = app.add_subcommand("mistake", "Instructor: wrong-solution fixtures as patches (new, show, refresh)");
  add_common_options(command, mistake->common);
  command->require_subcommand(1);
  auto* create = command->add_subcommand("new", "Record a new fixture: edit a copy of the solution, keep the diff");
  create->add_option("chapter", mistake->chapter, "ch3, 3 or ch03-gather")->required();
  create->add_option("exercise", mistake->exercise, "ex1 or the exercise's name")->required();
  create->add_option("name", mistake->name, "the mistake's name, e.g. sequential-awaits")->required();
  create->add_option("--from", mistake->from, "Record this edited copy of the solution (else a copy is made to edit)");
  create->add_option("--diagnosis", mistake->diagnosis, "The diagnosis the tests must give it (default: the name)");
  create->add_flag("--alternative", mistake->alternative, "A correct solution written differently (must pass)");
  auto* show = command->add_subcommand("show", "The fixture applied to the solution, as a file");
  show->add_option("chapter", mistake->chapter, "ch3, 3 or ch03-gather")->required();
  show->add_option("exercise", mistake->exercise, "ex1 or the exercise's name")->required();
  show->add_option("name", mistake->name, "the fixture's name")->required();
  show->add_option("-o,--output", mistake->output, "Write it here instead of printing it");
  auto* refresh = command->add_subcommand("refresh", "Re-base the fixtures after a solution edit; report conflicts");
  refresh->add_option("chapter", mistake->chapter, "Only this chapter");
  refresh->add_option("exercise", mistake->exercise, "Only this exercise");
  refresh->add_option("--base", mistake->base, "The git revision the patches were recorded against (default HEAD)");
  return {command, [mistake, create, show] {
            mistake->verb = create->parsed() ? "new" : show->parsed() ? "show" : "refresh";
            return run_mistake(*mistake);
          }};
}

}  // namespace asynclings::grader

#include "batch/class_view.hpp"

#include "render/render.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

namespace asynclings::grader {

namespace {
using json = nlohmann::json;

std::optional<double> median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// Seconds to one decimal: what a person reads, and what the CSV and JSON both say.
double seconds(double ms) { return std::round(ms / 100.0) / 10.0; }

// The diagnosis names of the whole batch, most submissions first (then by name).
std::vector<std::string> batch_diagnoses(const ClassView& view) {
  std::map<std::string, int> total;
  for (const auto& e : view.exercises)
    for (const auto& m : e.mistakes) total[m.diagnosis] += m.submissions;
  std::vector<std::string> names;
  for (const auto& [name, n] : total) names.push_back(name);
  std::stable_sort(names.begin(), names.end(), [&](const auto& a, const auto& b) { return total[a] > total[b]; });
  return names;
}

}  // namespace

int ExerciseClassView::count(const std::string& verdict) const {
  const auto it = verdicts.find(verdict);
  return it == verdicts.end() ? 0 : it->second;
}

const std::vector<std::string>& class_view_verdicts() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (Verdict v : {Verdict::passed, Verdict::failed, Verdict::not_started, Verdict::compile_error, Verdict::crashed,
                      Verdict::timed_out, Verdict::tampered, Verdict::error, Verdict::interrupted})
      out.push_back(to_string(v));
    out.push_back("missing");
    return out;
  }();
  return names;
}

ClassView make_class_view(const std::vector<GradebookColumn>& columns, const std::vector<GradebookRow>& rows) {
  ClassView view;
  view.students = static_cast<int>(rows.size());
  for (SubmissionStatus s : {SubmissionStatus::graded, SubmissionStatus::empty, SubmissionStatus::no_report,
                             SubmissionStatus::timed_out, SubmissionStatus::crashed, SubmissionStatus::interrupted})
    view.statuses[to_string(s)] = 0;
  for (const auto& row : rows) ++view.statuses[to_string(row.status)];

  const auto& names = class_view_verdicts();
  for (std::size_t c = 0; c < columns.size(); ++c) {
    ExerciseClassView e;
    e.column = columns[c];
    for (const auto& name : names) e.verdicts[name] = 0;
    std::map<std::string, int> mistakes;
    std::vector<double> attempts;
    for (const auto& row : rows) {
      ++e.submissions;
      // Rows hold one grade per column in column order; a row from elsewhere is matched by label.
      const ExerciseGrade* grade = nullptr;
      if (c < row.exercises.size() && row.exercises[c].column.label() == e.column.label()) grade = &row.exercises[c];
      else
        for (const auto& g : row.exercises)
          if (g.column.label() == e.column.label()) grade = &g;
      if (grade == nullptr) {
        ++e.verdicts["missing"];
        continue;
      }
      const std::string verdict =
          std::find(names.begin(), names.end(), grade->verdict) != names.end() ? grade->verdict : std::string("error");
      ++e.verdicts[verdict];
      if (verdict != "tampered") {
        for (const auto& d : std::set<std::string>(grade->diagnoses.begin(), grade->diagnoses.end())) ++mistakes[d];
        if (verdict == "failed" && grade->diagnoses.empty()) ++e.failed_unnamed;
      }
      if (verdict != "missing" && grade->attempt_ms) attempts.push_back(*grade->attempt_ms);
    }
    for (const auto& [name, n] : mistakes) e.mistakes.push_back({name, n});
    std::stable_sort(e.mistakes.begin(), e.mistakes.end(),
                     [](const MistakeCount& a, const MistakeCount& b) { return a.submissions > b.submissions; });
    e.attempts_timed = static_cast<int>(attempts.size());
    e.median_attempt_ms = median(std::move(attempts));
    view.exercises.push_back(std::move(e));
  }
  return view;
}

std::string render_class_view_json(const ClassView& view) {
  json exercises = json::array();
  for (const auto& e : view.exercises) {
    json mistakes = json::array();
    for (const auto& m : e.mistakes) mistakes.push_back({{"diagnosis", m.diagnosis}, {"submissions", m.submissions}});
    json verdicts = json::object();
    for (const auto& name : class_view_verdicts()) verdicts[name] = e.count(name);
    exercises.push_back({{"chapter", e.column.chapter},
                         {"id", e.column.id},
                         {"name", e.column.name},
                         {"label", e.column.label()},
                         {"submissions", e.submissions},
                         {"verdicts", verdicts},
                         {"mistakes", mistakes},
                         {"failed_unnamed", e.failed_unnamed},
                         {"median_attempt_s", e.median_attempt_ms ? json(seconds(*e.median_attempt_ms)) : json(nullptr)},
                         {"attempts_timed", e.attempts_timed}});
  }
  const json out{{"schema", "asynclings-class-view/1"},
                 {"students", view.students},
                 {"statuses", view.statuses},
                 {"exercises", exercises}};
  return out.dump(2) + "\n";
}

std::string render_class_view_csv(const ClassView& view) {
  const auto diagnoses = batch_diagnoses(view);
  std::string out = "exercise,name,submissions";
  for (const auto& v : class_view_verdicts()) out += "," + v;
  out += ",failed_unnamed,median_attempt_s,attempts_timed";
  for (const auto& d : diagnoses) out += "," + csv_text_field("mistake:" + d);
  out += "\n";
  for (const auto& e : view.exercises) {
    out += csv_field(e.column.label()) + "," + csv_text_field(e.column.name) + "," + std::to_string(e.submissions);
    for (const auto& v : class_view_verdicts()) out += "," + std::to_string(e.count(v));
    out += "," + std::to_string(e.failed_unnamed) + "," +
           (e.median_attempt_ms ? format_number(seconds(*e.median_attempt_ms)) : std::string{}) + "," +
           std::to_string(e.attempts_timed);
    for (const auto& d : diagnoses) {
      const auto it = std::find_if(e.mistakes.begin(), e.mistakes.end(), [&](const MistakeCount& m) { return m.diagnosis == d; });
      out += "," + std::to_string(it == e.mistakes.end() ? 0 : it->submissions);
    }
    out += "\n";
  }
  return out;
}

ClassViewFiles class_view_files(const std::filesystem::path& gradebook) {
  std::filesystem::path stem = gradebook;
  stem.replace_extension();
  const std::string base = stem.string() + ".class";
  return {base + ".json", base + ".csv", base + ".html"};
}

}  // namespace asynclings::grader

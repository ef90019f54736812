// The verbs of `grader`; each returns the process exit code.
#pragma once

#include "core/session.hpp"

#include <filesystem>
#include <string>

namespace asynclings::grader {

struct CheckOptions {
  CommonOptions common;
  std::string chapter;   // empty with all
  std::string exercise;  // empty: every exercise of the chapter
  bool all = false;
  bool solutions = false;
  std::string format = "text";  // text, json, junit, gradescope
  std::filesystem::path output;
};
int run_check(const CheckOptions& options);

struct VerifyOptions {
  CommonOptions common;
  std::string chapter;  // empty: every chapter
};
int run_verify(const VerifyOptions& options);

struct ListOptions {
  CommonOptions common;
  std::string format = "text";  // text, or json: the manifests with derived fields, for scripts
};
int run_list(const ListOptions& options);

struct HintOptions {
  CommonOptions common;
  std::string chapter;
  std::string exercise;
  bool all = false;
};
int run_hint(const HintOptions& options);

struct ExpectDiagnosisOptions {
  std::filesystem::path binary;
  std::string diagnosis;
  double time_limit_seconds = 120;
  double memory_limit_mb = 4096;
};
int run_expect_diagnosis(const ExpectDiagnosisOptions& options);

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  int latency_ms = 0;
  int jitter_ms = 0;
  bool quiet = false;
};
int run_serve(const ServeOptions& options);

struct NewOptions {
  CommonOptions common;
  std::string name;  // chNN-topic
};
int run_new(const NewOptions& options);

// Re-checks the current exercise whenever the student saves one of its files (see cmd_watch.cpp).
struct WatchOptions {
  CommonOptions common;
  std::string chapter;  // empty: the chapter of the next exercise to do
  bool manual = false;  // re-check on Enter instead of on file-system notifications
  int debounce_ms = 300;
};
int run_watch(const WatchOptions& options);

// Checks the machine a student grades on and says what to fix (see cmd_doctor.cpp).
struct DoctorOptions {
  CommonOptions common;
  std::string format = "text";  // text or json
};
int run_doctor(const DoctorOptions& options);

// Authoring fixtures as patches (see cmd_mistake.cpp).
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
int run_mistake(const MistakeOptions& options);

// Grades many submission folders with one trusted workbook into one gradebook (see
// cmd_grade_batch.cpp).
struct GradeBatchOptions {
  CommonOptions common;              // common.tests_from: the trusted workbook (default: --root)
  std::filesystem::path submissions;  // one sub-folder per student
  std::string chapter;               // empty with all
  bool all = false;
  int jobs = 1;
  std::filesystem::path output;       // gradebook; .csv or .json decides the format
  std::filesystem::path work_dir;     // build folders and per-student reports
  double time_limit_seconds = 0;      // whole-submission limit; 0: none beyond the per-test limits
};
int run_grade_batch(const GradeBatchOptions& options);

}  // namespace asynclings::grader

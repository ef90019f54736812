// The verbs of `grader`; each returns the process exit code.
#pragma once

#include "session.hpp"

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

}  // namespace asynclings::grader

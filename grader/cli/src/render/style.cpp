#include "render/style.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace asynclings::grader {

bool colour_allowed(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return isatty(fileno(stream)) == 1;
}

Style Style::for_stream(std::FILE* stream) { return Style(colour_allowed(stream)); }

}  // namespace asynclings::grader

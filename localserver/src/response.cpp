#include <asynclings/client/response.hpp>

#include <algorithm>
#include <cctype>

namespace asynclings::client {

std::optional<std::string> Response::header(std::string_view name) const {
  auto same = [name](const std::string& candidate) {
    return std::equal(candidate.begin(), candidate.end(), name.begin(), name.end(),
                      [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  };
  for (const auto& [key, value] : headers) {
    if (same(key)) return value;
  }
  return std::nullopt;
}

}  // namespace asynclings::client

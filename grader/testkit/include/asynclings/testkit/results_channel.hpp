// The results channel between a chapter test binary and the grader (docs/grading-integrity.md).
// For a graded run the grader makes a pipe and a random key of the run, gives the program the
// pipe's write end as descriptor ASYNCLINGS_RESULTS_FD and the key as ASYNCLINGS_RESULTS_KEY;
// the testkit takes both before any other code of the program runs (a .preinit_array entry,
// testkit_main.cpp) and erases the key from the environment. It then writes one line per
// event — a test started, a test ended and how, the run done — each tagged with SipHash-2-4
// of the key over the line's number and text. The grader reads the pipe as the program runs
// and believes a test report only where it agrees with these lines. Shared by the testkit
// (writing) and the grader (checking); header-only, no dependency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asynclings::results_channel {

inline constexpr const char* kKeyVariable = "ASYNCLINGS_RESULTS_KEY";
inline constexpr const char* kFdVariable = "ASYNCLINGS_RESULTS_FD";

struct Key {
  std::uint64_t k0 = 0, k1 = 0;
};

namespace detail {
constexpr std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
constexpr void round(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3) {
  v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
  v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
  v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
  v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
}
constexpr int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}
}  // namespace detail

// SipHash-2-4 (Aumasson and Bernstein), 64-bit tag.
constexpr std::uint64_t siphash(const Key& key, std::string_view message) {
  std::uint64_t v0 = 0x736f6d6570736575ull ^ key.k0, v1 = 0x646f72616e646f6dull ^ key.k1;
  std::uint64_t v2 = 0x6c7967656e657261ull ^ key.k0, v3 = 0x7465646279746573ull ^ key.k1;
  const std::size_t n = message.size();
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned char>(message[i]));
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t m = 0;
    for (int k = 0; k < 8; ++k) m |= byte(i + k) << (8 * k);
    v3 ^= m;
    detail::round(v0, v1, v2, v3);
    detail::round(v0, v1, v2, v3);
    v0 ^= m;
  }
  std::uint64_t last = static_cast<std::uint64_t>(n & 0xff) << 56;
  for (int k = 0; i + k < n; ++k) last |= byte(i + k) << (8 * k);
  v3 ^= last;
  detail::round(v0, v1, v2, v3);
  detail::round(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) detail::round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

// 32 lowercase hex digits <-> a key; nullopt for anything else.
inline std::string key_hex(const Key& key) {
  std::string out;
  for (std::uint64_t part : {key.k0, key.k1})
    for (int shift = 60; shift >= 0; shift -= 4) out += "0123456789abcdef"[(part >> shift) & 0xf];
  return out;
}
constexpr std::optional<Key> parse_key(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  Key key;
  for (std::size_t i = 0; i < 32; ++i) {
    const int d = detail::hex_digit(hex[i]);
    if (d < 0) return std::nullopt;
    std::uint64_t& part = i < 16 ? key.k0 : key.k1;
    part = (part << 4) | static_cast<std::uint64_t>(d);
  }
  return key;
}

// "<number> <event> <tag>\n": the event's text (no line break) numbered from 0 in the order
// written; the tag is SipHash of "<number> <event>" as 16 hex digits.
inline std::string signed_line(const Key& key, std::uint64_t number, std::string_view event) {
  std::string body = std::to_string(number) + " ";
  body += event;
  const std::uint64_t tag = siphash(key, body);
  std::string hex;
  for (int shift = 60; shift >= 0; shift -= 4) hex += "0123456789abcdef"[(tag >> shift) & 0xf];
  return body + " " + hex + "\n";
}

// The event of one line (without its line break) when its tag is right and its number is
// <expected_number>; nullopt otherwise.
inline std::optional<std::string> verified_event(const Key& key, std::uint64_t expected_number,
                                                 std::string_view line) {
  const auto space = line.rfind(' ');
  if (space == std::string_view::npos || line.size() - space - 1 != 16) return std::nullopt;
  const std::string_view body = line.substr(0, space), tag_hex = line.substr(space + 1);
  std::uint64_t tag = 0;
  for (char c : tag_hex) {
    const int d = detail::hex_digit(c);
    if (d < 0) return std::nullopt;
    tag = (tag << 4) | static_cast<std::uint64_t>(d);
  }
  if (siphash(key, body) != tag) return std::nullopt;
  const std::string prefix = std::to_string(expected_number) + " ";
  if (body.substr(0, prefix.size()) != prefix) return std::nullopt;
  return std::string(body.substr(prefix.size()));
}

}  // namespace asynclings::results_channel

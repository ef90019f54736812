#include "core/patch.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace asynclings::grader {
namespace {

struct Lines {
  std::vector<std::string> lines;
  bool ends_with_newline = true;
};

Lines split_lines(const std::string& text) {
  Lines out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string::npos) {
      out.lines.push_back(text.substr(start));
      out.ends_with_newline = false;
      break;
    }
    out.lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join_lines(const Lines& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.lines.size(); ++i) {
    out += lines.lines[i];
    if (i + 1 < lines.lines.size() || lines.ends_with_newline) out += '\n';
  }
  return out;
}

// "--- a/dir/ex1_gather.hpp\t2026-12-05 …" -> "ex1_gather.hpp"
std::string header_file_name(const std::string& line) {
  std::string path = line.substr(4);
  if (auto tab = path.find('\t'); tab != std::string::npos) path = path.substr(0, tab);
  while (!path.empty() && (path.back() == ' ' || path.back() == '\r')) path.pop_back();
  return std::filesystem::path(path).filename().string();
}

// "@@ -12,7 +12,9 @@ context" -> the four numbers; a missing count means 1.
bool parse_hunk_header(const std::string& line, PatchHunk& hunk) {
  int a = 0, b = 1, c = 0, d = 1;
  const char* p = line.c_str() + 3;
  auto number = [&](int& out) {
    if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
    out = 0;
    while (std::isdigit(static_cast<unsigned char>(*p))) out = out * 10 + (*p++ - '0');
    return true;
  };
  if (*p++ != '-' || !number(a)) return false;
  if (*p == ',') {
    ++p;
    if (!number(b)) return false;
  }
  if (*p++ != ' ' || *p++ != '+' || !number(c)) return false;
  if (*p == ',') {
    ++p;
    if (!number(d)) return false;
  }
  if (std::string(p).rfind(" @@", 0) != 0) return false;
  hunk.old_start = a;
  hunk.old_count = b;
  hunk.new_start = c;
  hunk.new_count = d;
  hunk.header = line.substr(0, static_cast<std::size_t>(p - line.c_str()) + 3);
  return true;
}

std::string hunk_name(const FilePatch& patch, std::size_t index) {
  return patch.file + ": hunk " + std::to_string(index + 1) + " (" + patch.hunks[index].header + ")";
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PatchError(path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<FilePatch> parse_patch(const std::string& text, const std::string& origin) {
  const Lines lines = split_lines(text);
  std::vector<FilePatch> files;
  std::size_t i = 0;
  const auto& l = lines.lines;
  while (i < l.size()) {
    if (l[i].rfind("--- ", 0) != 0) {
      ++i;  // a preamble (a description, "diff -u …") is allowed and ignored
      continue;
    }
    if (i + 1 >= l.size() || l[i + 1].rfind("+++ ", 0) != 0)
      throw PatchError(origin + ":" + std::to_string(i + 2) + ": \"--- file\" must be followed by \"+++ file\"");
    FilePatch file;
    file.file = header_file_name(l[i]);
    if (file.file.empty()) throw PatchError(origin + ":" + std::to_string(i + 1) + ": no file name after ---");
    i += 2;
    while (i < l.size() && l[i].rfind("@@ ", 0) == 0) {
      PatchHunk hunk;
      if (!parse_hunk_header(l[i], hunk))
        throw PatchError(origin + ":" + std::to_string(i + 1) + ": not a hunk header: " + l[i]);
      ++i;
      int old_seen = 0, new_seen = 0;
      while (i < l.size() && (old_seen < hunk.old_count || new_seen < hunk.new_count ||
                              (i < l.size() && l[i].rfind("\\ ", 0) == 0))) {
        const std::string& line = l[i];
        if (line.rfind("\\ ", 0) == 0) {  // "\ No newline at end of file" for the line before
          if (hunk.lines.empty()) throw PatchError(origin + ":" + std::to_string(i + 1) + ": misplaced " + line);
          const char last = hunk.lines.back()[0];
          if (last != '+') hunk.old_ends_without_newline = true;
          if (last != '-') hunk.new_ends_without_newline = true;
          ++i;
          continue;
        }
        // Some editors strip the single space of an empty context line.
        const char marker = line.empty() ? ' ' : line[0];
        const std::string body = line.empty() ? std::string() : line.substr(1);
        if (marker == ' ') ++old_seen, ++new_seen;
        else if (marker == '-') ++old_seen;
        else if (marker == '+') ++new_seen;
        else
          throw PatchError(origin + ":" + std::to_string(i + 1) + ": line in " + hunk.header +
                           " starts with neither ' ', '-' nor '+'");
        hunk.lines.push_back(std::string(1, marker) + body);
        ++i;
      }
      if (old_seen != hunk.old_count || new_seen != hunk.new_count)
        throw PatchError(origin + ": " + file.file + ": hunk " + hunk.header + " is cut short (the patch file ends early)");
      file.hunks.push_back(std::move(hunk));
    }
    if (file.hunks.empty()) throw PatchError(origin + ": " + file.file + ": no hunk after the file headers");
    files.push_back(std::move(file));
  }
  if (files.empty()) throw PatchError(origin + ": no \"--- file\" / \"+++ file\" section: not a unified diff");
  return files;
}

std::string apply_file_patch(const std::string& original, const FilePatch& patch, const std::string& origin) {
  Lines source = split_lines(original);
  Lines result;
  result.ends_with_newline = source.ends_with_newline;
  std::size_t copied = 0;  // source lines already handled
  long shift = 0;          // how far the hunks actually landed from their recorded lines
  for (std::size_t h = 0; h < patch.hunks.size(); ++h) {
    const PatchHunk& hunk = patch.hunks[h];
    std::vector<std::string> old_lines, new_lines;
    for (const auto& line : hunk.lines) {
      if (line[0] != '+') old_lines.push_back(line.substr(1));
      if (line[0] != '-') new_lines.push_back(line.substr(1));
    }
    // Where the old lines start (0-based); a pure insertion "-N,0" goes after line N.
    const long recorded = (hunk.old_count == 0 ? hunk.old_start : hunk.old_start - 1) + shift;
    auto matches_at = [&](long at) {
      if (at < static_cast<long>(copied) || at + static_cast<long>(old_lines.size()) > static_cast<long>(source.lines.size()))
        return false;
      return std::equal(old_lines.begin(), old_lines.end(), source.lines.begin() + at);
    };
    long found = -1;
    const long limit = static_cast<long>(source.lines.size());
    for (long distance = 0; distance <= limit && found < 0; ++distance) {
      if (matches_at(recorded - distance)) found = recorded - distance;
      else if (matches_at(recorded + distance)) found = recorded + distance;
    }
    if (found < 0) {
      // Say which line differs at the recorded place: that is what the author must fix.
      std::string detail;
      for (std::size_t k = 0; k < old_lines.size(); ++k) {
        const long at = recorded + static_cast<long>(k);
        if (at < 0 || at >= limit) {
          detail = "the file ends at line " + std::to_string(limit) + " before the hunk's line " + std::to_string(at + 1);
          break;
        }
        if (source.lines[static_cast<std::size_t>(at)] != old_lines[k]) {
          detail = "line " + std::to_string(at + 1) + " is `" + source.lines[static_cast<std::size_t>(at)] +
                   "`, the patch expects `" + old_lines[k] + "`";
          break;
        }
      }
      if (detail.empty()) detail = "its lines overlap an earlier hunk";
      throw PatchError(origin + ": " + hunk_name(patch, h) + " does not apply: " + detail);
    }
    result.lines.insert(result.lines.end(), source.lines.begin() + static_cast<long>(copied), source.lines.begin() + found);
    result.lines.insert(result.lines.end(), new_lines.begin(), new_lines.end());
    copied = static_cast<std::size_t>(found) + old_lines.size();
    shift = found - (hunk.old_count == 0 ? hunk.old_start : hunk.old_start - 1);
    if (copied == source.lines.size()) {
      // The hunk reached the end of the file: it decides the final newline.
      if (hunk.old_ends_without_newline != !source.ends_with_newline && !old_lines.empty())
        throw PatchError(origin + ": " + hunk_name(patch, h) +
                         " does not apply: the file's last line and the patch disagree on the final newline");
      result.ends_with_newline = !hunk.new_ends_without_newline;
    }
  }
  result.lines.insert(result.lines.end(), source.lines.begin() + static_cast<long>(copied), source.lines.end());
  return join_lines(result);
}

std::map<std::string, std::string> apply_patch_file(const std::filesystem::path& patch_path,
                                                    const std::filesystem::path& source_dir) {
  const std::string origin = patch_path.string();
  std::map<std::string, std::string> out;
  for (const FilePatch& file : parse_patch(read_text_file(patch_path), origin)) {
    const auto source = source_dir / file.file;
    if (!std::filesystem::exists(source))
      throw PatchError(origin + ": patches " + file.file + ", which is not in " + source_dir.string());
    const std::string before = out.count(file.file) ? out[file.file] : read_text_file(source);
    out[file.file] = apply_file_patch(before, file, origin);
  }
  return out;
}

std::string make_patch(const std::string& file, const std::string& before, const std::string& after) {
  if (before == after) return {};
  const Lines a = split_lines(before), b = split_lines(after);
  const std::size_t n = a.lines.size(), m = b.lines.size();
  // Longest common subsequence table: the files are a few hundred lines at most.
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a.lines[i] == b.lines[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Op {
    char kind;
    std::size_t ai, bi;
  };
  std::vector<Op> ops;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a.lines[i] == b.lines[j]) ops.push_back({' ', i++, j++});
    else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) ops.push_back({'+', i, j++});
    else ops.push_back({'-', i++, j});
  }
  // A changed last line differs only in its final newline: treat it as a change.
  if (a.ends_with_newline != b.ends_with_newline && n > 0 && m > 0 && !ops.empty() && ops.back().kind == ' ') {
    const Op last = ops.back();
    ops.pop_back();
    ops.push_back({'-', last.ai, last.bi});
    ops.push_back({'+', last.ai + 1, last.bi});
  }
  const std::size_t context = 3;
  std::string out = "--- " + file + "\n+++ " + file + "\n";
  std::size_t k = 0;
  while (k < ops.size()) {
    while (k < ops.size() && ops[k].kind == ' ') ++k;
    if (k == ops.size()) break;
    std::size_t begin = k >= context ? k - context : 0;
    while (begin < k && ops[begin].kind != ' ') ++begin;
    // Extend the hunk while the next change is within 2×context lines.
    std::size_t end = k;
    while (end < ops.size()) {
      if (ops[end].kind != ' ') {
        ++end;
        continue;
      }
      std::size_t run = end;
      while (run < ops.size() && ops[run].kind == ' ') ++run;
      if (run < ops.size() && run - end <= 2 * context) end = run;
      else {
        end = std::min(end + context, run);
        break;
      }
    }
    int old_count = 0, new_count = 0;
    std::string body;
    bool old_last_missing = false, new_last_missing = false;
    for (std::size_t x = begin; x < end; ++x) {
      const Op& op = ops[x];
      if (op.kind != '+') ++old_count;
      if (op.kind != '-') ++new_count;
      const std::string& text = op.kind == '+' ? b.lines[op.bi] : a.lines[op.ai];
      body += std::string(1, op.kind) + text + "\n";
      const bool is_old_last = op.kind != '+' && op.ai + 1 == n && !a.ends_with_newline;
      const bool is_new_last = op.kind != '-' && op.bi + 1 == m && !b.ends_with_newline;
      if ((is_old_last && op.kind == '-') || (is_new_last && op.kind == '+') || (is_old_last && is_new_last)) {
        body += "\\ No newline at end of file\n";
        old_last_missing = old_last_missing || is_old_last;
        new_last_missing = new_last_missing || is_new_last;
      }
    }
    const std::size_t old_first = ops[begin].ai, new_first = ops[begin].bi;
    out += "@@ -" + std::to_string(old_count == 0 ? old_first : old_first + 1) + "," + std::to_string(old_count) +
           " +" + std::to_string(new_count == 0 ? new_first : new_first + 1) + "," + std::to_string(new_count) + " @@\n";
    out += body;
    k = end;
  }
  return out;
}

}  // namespace asynclings::grader

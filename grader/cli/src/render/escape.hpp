// The one escaper of the grader's markup: HTML, SVG and the JUnit XML. JSON is written by
// nlohmann::json, which escapes on its own.
#pragma once

#include <string>
#include <string_view>

namespace asynclings::grader {

// <text> made safe inside HTML, SVG or XML text and attribute values: & < > " ' become
// entities, control characters (terminal colour codes in captured output; XML 1.0 forbids
// them even escaped) become U+FFFD; line breaks and tabs stay.
std::string escape_markup(std::string_view text);

}  // namespace asynclings::grader

// The course's table, as the Python course this workbook carries over prints it: the
// `requests` loop against `httpx.AsyncClient` + `asyncio.gather`, both fetching the public
// https://httpbin.org/delay/1 over the internet. Rounded as the course rounds them ("~5.5 s").
#pragma once

#include <array>

namespace course_table {

struct CourseFigures {
  int n = 0;
  double sync_s = 0;
  double async_s = 0;
  double speedup = 0;
};

inline constexpr std::array<CourseFigures, 2> course_figures{{
    {5, 5.5, 1.2, 4.6},
    {20, 22.0, 1.3, 17.0},
}};

inline constexpr const char* course_figures_source =
    "Python requests vs httpx + asyncio.gather, measured against the public "
    "https://httpbin.org/delay/1 over the internet";

}  // namespace course_table

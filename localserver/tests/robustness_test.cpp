// Every request gets an answer and a trace record that ends: bytes that are not UTF-8 are
// echoed as U+FFFD (valid JSON), a bad tag never breaks GET /trace, and a failing handler
// becomes a 500, a server_error record and one log line.
#include "local_server.hpp"
#include "raw_http.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

namespace asynclings::server::testing {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD

class Robustness : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.header_timeout = std::chrono::milliseconds{500};
    options.on_request_begin = [](const TraceRecord& r) {
      if (r.target.find("boom") != std::string::npos) throw std::runtime_error("injected failure");
    };
    server_ = started_server(options);
  }
  void TearDown() override {
    client::BlockingClient http{address_of(*server_, "after")};
    EXPECT_EQ(http.get("/get").status, 200);
    EXPECT_TRUE(server_->trace().wait_settled("", seconds{5})) << "a record was left in progress";
  }
  // Sends <bytes> (which should ask to close) and parses the one response.
  json json_answer(const std::string& bytes, int expected_status = 200) {
    RawConnection raw{*server_};
    raw.send(bytes);
    const std::string answer = raw.read_all();
    auto response = parse_response(answer);
    EXPECT_TRUE(response) << "no complete response: " << answer;
    if (!response) return {};
    EXPECT_EQ(response->message.result_int(), expected_status) << answer;
    try {
      return json::parse(response->message.body());  // throws on invalid UTF-8
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not valid JSON (" << e.what() << "): " << response->message.body();
      return {};
    }
  }
  std::unique_ptr<DelayServer> server_;
};

TEST_F(Robustness, Latin1HeaderValueIsEchoedWithAReplacementCharacter) {
  auto body = json_answer("GET /delay/0 HTTP/1.1\r\nHost: x\r\nX-Bad: caf\xE9\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(body["headers"]["X-Bad"], "caf" + replacement);
}

TEST_F(Robustness, EncodedInvalidUtf8InTheQueryIsReplaced) {
  auto body = json_answer("GET /get?x=%FF&%C3%28=y&s=%ED%A0%80 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(body["args"]["x"], replacement);
  EXPECT_TRUE(body["args"].contains(replacement + "("));
  EXPECT_EQ(body["url"], "http://x/get?x=%FF&%C3%28=y&s=%ED%A0%80");
}

TEST_F(Robustness, RawHighBytesInTheTargetAreReplaced) {
  auto body = json_answer("GET /get?x=\xC3\xA9\xFE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(body["args"]["x"], "\xC3\xA9" + replacement) << "valid UTF-8 is kept as it is";
}

TEST_F(Robustness, BinaryBodyToDelayIsEchoedAsValidJson) {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  auto body = json_answer("POST /delay/0 HTTP/1.1\r\nHost: x\r\nContent-Length: 256\r\nConnection: close\r\n\r\n" + binary);
  EXPECT_EQ(body["data"].get<std::string>().substr(0, 3), std::string("\x00\x01\x02", 3));
  EXPECT_EQ(body["delay_ms"], 0);
}

TEST_F(Robustness, StreamLinesWithInvalidUtf8AreValidJson) {
  RawConnection raw{*server_};
  raw.send("GET /stream/2?x=%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto response = parse_response(raw.read_all());
  ASSERT_TRUE(response);
  const std::string body = response->message.body();
  EXPECT_EQ(json::parse(body.substr(0, body.find('\n')))["args"]["x"], replacement);
}

// A tag that is not UTF-8 used to make every unfiltered GET /trace an empty reply.
TEST_F(Robustness, ABadTagDoesNotBreakTheTrace) {
  client::BlockingClient http{address_of(*server_, "")};
  EXPECT_EQ(http.get("/status/200?tag=%FF").status, 200);
  EXPECT_EQ(http.get("/status/201?tag=%C0%AF%1B%5B2J").status, 201);
  ASSERT_TRUE(server_->trace().wait_settled("", seconds{5}));
  for (std::string query : {"", "?tag=%FF"}) {
    auto r = http.get("/trace" + query);
    ASSERT_EQ(r.status, 200) << query;
    auto j = json::parse(r.body);
    ASSERT_FALSE(j["requests"].empty()) << query;
    EXPECT_EQ(j["requests"][0]["tag"], replacement) << query;
  }
  // In process the tag is kept byte for byte: a test asks for its own tag as it sent it.
  EXPECT_EQ(server_->trace().records("\xFF").size(), 1u);
}

TEST_F(Robustness, AFailingHandlerAnswers500AndEndsItsRecord) {
  ::testing::internal::CaptureStderr();
  auto body = json_answer("GET /get?boom HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: boom\r\n\r\n", 500);
  EXPECT_NE(body["error"].get<std::string>().find("injected failure"), std::string::npos) << body;
  ASSERT_TRUE(server_->trace().wait_settled("boom", seconds{5}));
  const std::string log = ::testing::internal::GetCapturedStderr();
  auto records = server_->trace().records("boom");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::server_error);
  EXPECT_EQ(records[0].status, 500);
  EXPECT_TRUE(records[0].finish.has_value());
  EXPECT_NE(log.find("request #1 GET /get?boom failed: injected failure"), std::string::npos) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << "one log line: " << log;
  EXPECT_NE(server_->trace().to_json("boom").find("\"server_error\""), std::string::npos);
}

TEST_F(Robustness, AFailingHandlerToAHeadRequestAnswers500WithoutABody) {
  ::testing::internal::CaptureStderr();
  RawConnection raw{*server_};
  raw.send("HEAD /get?boom HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string answer = raw.read_all();
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(status_line(answer), "HTTP/1.1 500 Internal Server Error");
  EXPECT_EQ(head_of(answer), answer) << "no body after the header";
}

TEST_F(Robustness, AFailingRequestLogLineDoesNotStopTheServer) {
  ServerOptions options;
  options.on_request_end = [](const TraceRecord&) { throw std::runtime_error("log sink failed"); };
  auto server = started_server(options);
  client::BlockingClient http{address_of(*server, "log")};
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(http.get("/get").status, 200);
  EXPECT_EQ(http.get("/get").status, 200);
  EXPECT_TRUE(server->trace().wait_settled("log", seconds{5}));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("log sink failed"), std::string::npos) << log;
}

TEST(Printable, KeepsTextEscapesControlsAndInvalidUtf8) {
  EXPECT_EQ(printable("plain /get?x=1"), "plain /get?x=1");
  EXPECT_EQ(printable("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(printable("\x1B[31mred\r\nforged line"), "\\x1B[31mred\\x0D\\x0Aforged line");
  EXPECT_EQ(printable("caf\xE9"), "caf\\xE9");
  EXPECT_EQ(printable("\xC2\x9B" "2J"), "\\xC2\\x9B2J") << "a C1 control (CSI) is escaped";
  EXPECT_EQ(printable("\xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80"),
            "\\xC0\\xAF \\xED\\xA0\\x80 \\xF4\\x90\\x80\\x80") << "overlong, surrogate, beyond U+10FFFF";
  EXPECT_EQ(printable("a\\x41"), "a\\x5Cx41") << "a backslash cannot forge an escape";
  EXPECT_EQ(printable(std::string("\0\x7F", 2)), "\\x00\\x7F");
  EXPECT_EQ(printable("\xE2\x82"), "\\xE2\\x82") << "a truncated sequence";
}

}  // namespace
}  // namespace asynclings::server::testing

// HTTP conformance: HEAD, HTTP/1.0, bodiless statuses, transfer codings, reason phrases, the
// path's encoded slashes, and counters that /trace/reset clears.
#include "local_server.hpp"
#include "raw_http.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace asynclings::server::testing {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

class Conformance : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = started_server().release(); }
  static void TearDownTestSuite() { delete server_; }
  static std::string exchange(const std::string& bytes) {
    RawConnection raw{*server_};
    raw.send(bytes);
    return raw.read_all();
  }
  static client::BlockingClient http(std::string tag) { return client::BlockingClient{address_of(*server_, std::move(tag))}; }
  static DelayServer* server_;
};
DelayServer* Conformance::server_ = nullptr;

// A HEAD response is the GET's header without its body: the next response on the same
// connection follows the blank line directly.
TEST_F(Conformance, HeadGetsTheHeaderWithoutTheBody) {
  for (std::string target : {"/get", "/delay/10ms", "/stream/2", "/drip?duration=0.01&numbytes=3",
                             "/status/200", "/nope", "/flaky/h?fail=0", "/trace?tag=x", "/trace"}) {
    const std::string answer = exchange("HEAD " + target + " HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: head\r\n\r\n" +
                                        "GET /status/201 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string head = head_of(answer);
    EXPECT_EQ(head.rfind("HTTP/1.1 ", 0), 0u) << target << ": " << answer;
    EXPECT_EQ(status_line(answer.substr(head.size())), "HTTP/1.1 201 Created")
        << target << ": the HEAD response carried a body:\n" << answer;
  }
  auto r = parse_response(exchange("HEAD /get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.result_int(), 200) << "/get answers HEAD like GET";
  EXPECT_GT(std::stoul(std::string(r->message[boost::beast::http::field::content_length])), 0u)
      << "the length is the GET's";
}

// HTTP/1.0 has no chunked coding: the stream is sent plain and ends with the connection.
TEST_F(Conformance, Http10ClientsGetAPlainStreamEndedByClose) {
  const std::string answer = exchange("GET /stream/3 HTTP/1.0\r\nHost: x\r\n\r\n");
  const std::string head = head_of(answer);
  EXPECT_EQ(status_line(answer), "HTTP/1.0 200 OK");
  EXPECT_EQ(head.find("chunked"), std::string::npos) << head;
  std::string body = answer.substr(head.size());
  int lines = 0;
  for (std::size_t pos = 0; (pos = body.find('\n', pos)) != std::string::npos; ++pos) ++lines;
  EXPECT_EQ(lines, 3) << body;
  EXPECT_EQ(json::parse(body.substr(0, body.find('\n')))["id"], 0);
  // HTTP/1.1 still streams chunked.
  EXPECT_NE(head_of(exchange("GET /stream/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).find("chunked"),
            std::string::npos);
}

TEST_F(Conformance, Http10WholeTraceIsSentPlainToo) {
  const std::string answer = exchange("GET /trace HTTP/1.0\r\n\r\n");
  const std::string head = head_of(answer);
  EXPECT_EQ(status_line(answer), "HTTP/1.0 200 OK");
  EXPECT_EQ(head.find("chunked"), std::string::npos) << head;
  EXPECT_TRUE(json::parse(answer.substr(head.size())).contains("requests"));
}

// 204 and 304 have no body and no Content-Length, even from /drip with numbytes.
TEST_F(Conformance, NoContentAndNotModifiedCarryNoBody) {
  for (std::string target : {"/drip?code=204&numbytes=5&duration=0.01", "/drip?code=304&numbytes=5&duration=0.01",
                             "/status/204", "/status/304"}) {
    const std::string answer = exchange("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n" +
                                        "GET /status/201 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string head = head_of(answer);
    EXPECT_NE(head.find(target.find("304") != std::string::npos ? " 304 " : " 204 "), std::string::npos) << answer;
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << target << "\n" << head;
    EXPECT_EQ(status_line(answer.substr(head.size())), "HTTP/1.1 201 Created") << target << "\n" << answer;
  }
}

// Only a lone "chunked" frames a request body. Anything else is refused and the connection
// closed, so bytes meant as a body are never read as a second request (request smuggling).
TEST_F(Conformance, TransferCodingsOtherThanALoneChunkedAreRefused) {
  const std::string chunks = "5\r\nhello\r\n0\r\n\r\n";
  const std::string smuggled = "GET /get?smuggled HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: te\r\n\r\n";
  struct Case {
    std::string headers;
    std::string status;
  };
  for (const auto& c : std::vector<Case>{
           {"Transfer-Encoding: chunked, identity\r\n", "400"},
           {"Transfer-Encoding: identity\r\n", "400"},
           {"Transfer-Encoding: chunked, chunked\r\n", "400"},
           {"Transfer-Encoding: gzip, chunked\r\n", "501"},
           {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "501"},
           {"Transfer-Encoding: gzip\r\nContent-Length: 17\r\n", "400"},
       }) {
    const std::string answer =
        exchange("POST /delay/0 HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: te\r\n" + c.headers + "\r\n" + chunks + smuggled);
    EXPECT_EQ(status_line(answer).substr(0, 12), "HTTP/1.1 " + c.status) << c.headers << answer;
    EXPECT_EQ(answer.find("HTTP/1.1", 5), std::string::npos) << "one answer only: " << answer;
  }
  ASSERT_TRUE(server_->trace().wait_settled("te", seconds{5}));
  for (const auto& r : server_->trace().records("te")) {
    EXPECT_EQ(r.outcome, Outcome::bad_request) << r.target;
    EXPECT_EQ(r.target, "/delay/0") << "a smuggled request was served";
  }
  // A lone chunked (any case) is served.
  auto ok = parse_response(exchange("POST /delay/0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
                                    "Connection: close\r\n\r\n" + chunks));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->message.result_int(), 200);
  EXPECT_EQ(json::parse(ok->message.body())["data"], "hello");
}

TEST_F(Conformance, UnregisteredStatusCodesGetTheirClassAsReason) {
  EXPECT_EQ(status_line(exchange("GET /status/299 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            "HTTP/1.1 299 Success");
  EXPECT_EQ(status_line(exchange("GET /status/477 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            "HTTP/1.1 477 Client Error");
  EXPECT_EQ(status_line(exchange("GET /flaky/r?fail=1&status=555 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            "HTTP/1.1 555 Server Error");
  EXPECT_EQ(status_line(exchange("GET /drip?code=399&duration=0&numbytes=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            "HTTP/1.1 399 Redirection");
  EXPECT_EQ(status_line(exchange("GET /status/404 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
            "HTTP/1.1 404 Not Found") << "registered codes keep their reason";
}

// The path is split on its literal slashes before decoding: %2F stays inside its segment.
TEST_F(Conformance, EncodedSlashStaysInsideItsSegment) {
  auto client = http("slash");
  auto r = client.get("/flaky/a%2Fb?fail=0");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["key"], "a/b");
  EXPECT_EQ(client.get("/status%2F201").status, 404);
  EXPECT_EQ(client.get("/delay%2F0").status, 404);
  EXPECT_EQ(client.get("/status/%32%30%31").status, 201) << "other escapes in a segment still decode";
  EXPECT_EQ(client.get("/get?a=b%2Fc").status, 200);
  EXPECT_EQ(json::parse(client.get("/get?a=b%2Fc%20d").body)["args"]["a"], "b/c d");
}

TEST_F(Conformance, TraceResetClearsTheTagsFlakyAndLeaseCounters) {
  auto mine = http("counters-mine");
  auto other = http("counters-other");
  EXPECT_EQ(mine.get("/flaky/k?fail=1").status, 503);
  EXPECT_EQ(mine.get("/flaky/k?fail=1").status, 200);
  EXPECT_EQ(other.get("/flaky/k?fail=1").status, 503);
  EXPECT_EQ(json::parse(mine.get("/lease/acquire?name=db").body)["holders"], 1);
  EXPECT_EQ(json::parse(other.get("/lease/acquire?name=db").body)["holders"], 1);

  EXPECT_EQ(mine.post("/trace/reset?tag=counters-mine").status, 200);
  EXPECT_EQ(mine.get("/flaky/k?fail=1").status, 503) << "the tag's flaky counter starts afresh";
  EXPECT_EQ(json::parse(mine.get("/lease?name=db").body)["holders"], 0) << "the tag's leases are released";
  EXPECT_EQ(other.get("/flaky/k?fail=1").status, 200) << "another tag's counter is kept";
  EXPECT_EQ(json::parse(other.get("/lease?name=db").body)["holders"], 1);
}

}  // namespace
}  // namespace asynclings::server::testing

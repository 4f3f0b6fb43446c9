// A scripted http::HttpClient for unit tests: it records every request and answers from a
// queue of canned responses (or transport errors), or from a handler when the answer depends
// on the request. No sockets, no threads, no sleeping.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "http/http_client.h"

namespace pullkeeper::testing {

class FakeHttpClient : public http::HttpClient {
 public:
  using Handler = std::function<StatusOr<http::Response>(const http::Request&)>;

  // Queues `status` with `body` and `headers` (names lowercased, as the real client gives
  // them) as the answer to the next unanswered request.
  void Respond(long status, std::string body, http::Headers headers = {}) {
    http::Response response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    queue_.emplace_back(std::move(response));
  }
  // Queues a transport failure (connection refused, timeout) as the next answer.
  void Fail(Status status) { queue_.emplace_back(std::move(status)); }
  // Answers every request the queue does not cover.
  void SetHandler(Handler handler) { handler_ = std::move(handler); }

  StatusOr<http::Response> Send(const http::Request& request) override {
    requests_.push_back(request);
    if (!queue_.empty()) {
      StatusOr<http::Response> next = std::move(queue_.front());
      queue_.pop_front();
      return next;
    }
    if (handler_) return handler_(request);
    return InternalError("FakeHttpClient: no scripted answer for " + request.method + " " +
                         request.url);
  }

  const std::vector<http::Request>& requests() const { return requests_; }
  const http::Request& last_request() const { return requests_.back(); }
  size_t pending() const { return queue_.size(); }

  // The value of header `name` in `request` (exact name match), or "" when absent.
  static std::string HeaderOf(const http::Request& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
      if (key == name) return value;
    }
    return "";
  }

 private:
  std::deque<StatusOr<http::Response>> queue_;
  Handler handler_;
  std::vector<http::Request> requests_;
};

}  // namespace pullkeeper::testing

// http::Server::AnswerWhenDurable: an answer waits until what its handler may have read is on
// the disk (core::Store::AllDurable / WhenDurable), and goes at once when nothing waits.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace redress::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

boost::asio::awaitable<http::Response> Answer(http::Request) {
  co_return http::Response::Text(200, "answered", "text/plain");
}

// A store's durability as the server sees it: not durable until Release(), which calls every
// callback held.
struct FakeDurability {
  std::mutex mu;
  bool durable = false;
  std::vector<std::function<void()>> held;

  http::Server::Durability Hooks() {
    return {[this] {
              std::lock_guard lock(mu);
              return durable;
            },
            [this](std::function<void()> then) {
              {
                std::lock_guard lock(mu);
                if (!durable) {
                  held.push_back(std::move(then));
                  return;
                }
              }
              then();
            }};
  }
  size_t Held() {
    std::lock_guard lock(mu);
    return held.size();
  }
  void Release() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard lock(mu);
      durable = true;
      now.swap(held);
    }
    for (auto& f : now) f();
  }
};

class ServerDurableTest : public ::testing::Test {
 protected:
  void Start(FakeDurability& d) {
    server_ = std::make_unique<http::Server>(std::vector<asio::io_context*>{&ioc_}, http::Limits{},
                                             Answer, [](std::string_view) { return false; });
    server_->AnswerWhenDurable(d.Hooks());
    ASSERT_TRUE(server_->Listen("127.0.0.1", 0));
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  tcp::socket Send() {
    tcp::socket s(client_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    const std::string req = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    asio::write(s, asio::buffer(req));
    return s;
  }
  static std::string ReadAll(tcp::socket& s) {
    std::string out;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(out), ec);  // until the server closes
    return out;
  }

  asio::io_context ioc_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(ioc_)};
  asio::io_context client_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

TEST_F(ServerDurableTest, AnAnswerWaitsForTheFlush) {
  FakeDurability d;
  Start(d);
  tcp::socket s = Send();
  for (int i = 0; i < 1000 && d.Held() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(d.Held(), 1u) << "the server did not wait for durability";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(s.available(), 0u) << "an answer went out before the flush";
  d.Release();
  const std::string answer = ReadAll(s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("answered"), std::string::npos);
}

TEST_F(ServerDurableTest, AnAnswerGoesAtOnceWhenAllIsDurable) {
  FakeDurability d;
  d.Release();
  Start(d);
  tcp::socket s = Send();
  const std::string answer = ReadAll(s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(d.Held(), 0u);
}

}  // namespace
}  // namespace redress::testing

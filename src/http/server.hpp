// The HTTP/1.1 server: Boost.Beast over Asio with C++20 coroutines, one coroutine per
// connection, I/O threads that never block, each running its own io_context: a connection
// lives on one of them (handed out in turn), so it needs no strand. It enforces the limits in
// limits.hpp: header and body sizes, a whole-request deadline, an idle keep-alive timeout and a
// connection cap, so a slow or idle client never holds others up.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "http/limits.hpp"
#include "http/message.hpp"

namespace redress::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request)>;
// True if requests to this path may carry an upload-sized body.
using UploadPredicate = std::function<bool(std::string_view path)>;

class Server {
 public:
  // Accepts on the first context; each connection runs on the next of `contexts` in turn.
  Server(std::vector<boost::asio::io_context*> contexts, Limits limits, Handler handler,
         UploadPredicate uploads);

  // Binds and starts accepting. Port 0 picks a free port (see port()).
  core::Status Listen(const std::string& address, unsigned short port);
  unsigned short port() const { return port_; }
  void Stop();

  int open_connections() const { return connections_->load(); }

  // A store's commits that may be read before they are on the disk (core::Store::AllDurable
  // and WhenDurable, which these call).
  struct Durability {
    std::function<bool()> all_durable;
    std::function<void(std::function<void()> then)> when_durable;
  };
  // Sends no answer before every commit made when its handler returned is on the disk: an
  // answer never shows a commit that a crash could still undo. Set before Listen().
  void AnswerWhenDurable(Durability d) { durable_ = std::move(d); }

 private:
  // The deadlines of one context's connections, checked by one timer of that context: a
  // Beast stream timeout armed and cancelled a timer in the context's queue (under its lock)
  // for each read and write, about 2,200 of a hello's 25,000 instructions. Used only on the
  // context's own thread; shared with the connections' coroutines, which may outlive the server.
  struct Watch {
    struct Entry {
      boost::asio::ip::tcp::socket* socket = nullptr;
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
      bool expired = false;  // its pending operations were cancelled: it ends
    };
    std::list<Entry> entries;
    // Cancels what connections past their deadline wait for.
    void Expire(std::chrono::steady_clock::time_point now);
  };

  boost::asio::awaitable<void> Accept();
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket,
                                     std::shared_ptr<Watch> watch);
  static boost::asio::awaitable<void> Sweep(std::shared_ptr<Watch> watch,
                                            std::chrono::milliseconds tick);

  std::vector<boost::asio::io_context*> contexts_;
  std::vector<std::shared_ptr<Watch>> watches_;  // one per context
  size_t next_context_ = 0;
  Limits limits_;
  Handler handler_;
  UploadPredicate uploads_;
  Durability durable_;  // empty: answers at once
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  // Shared with each connection's coroutine, whose frame may outlive the server when the
  // io_context is destroyed with connections still open.
  std::shared_ptr<std::atomic<int>> connections_ = std::make_shared<std::atomic<int>>(0);
  std::atomic<uint64_t> next_request_id_{1};
};

}  // namespace redress::http

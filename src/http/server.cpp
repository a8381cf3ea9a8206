#include "http/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <memory>
#include <tuple>

#include "http/async.hpp"

namespace redress::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

void ParseQuery(std::string_view q, std::map<std::string, std::string>& out) {
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key, value;
    if (!PercentDecode(pair.substr(0, eq), key, true)) continue;
    if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), value, true)) continue;
    out.emplace(std::move(key), std::move(value));
  }
}

bool HasLineBreak(std::string_view s) {
  return std::memchr(s.data(), '\r', s.size()) != nullptr ||
         std::memchr(s.data(), '\n', s.size()) != nullptr;
}

// One header field; a CR or LF in a name or value (which no handler should put there) is
// written as a space, so that no response can be split.
void Field(std::string& out, std::string_view name, std::string_view value) {
  const size_t start = out.size();
  out.append(name).append(": ", 2).append(value);
  if (HasLineBreak(name) || HasLineBreak(value)) {
    for (size_t i = start; i < out.size(); ++i) {
      if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
    }
  }
  out.append("\r\n", 2);
}

// The status line and header fields of `r`, then the blank line: written by hand rather than by
// Beast's serializer, whose buffer sequences cost about 40 % of a hello's instructions.
// The fields are those every response carries (and the defaults a handler may override), the
// handler's own, the connection's persistence as Beast's keep_alive() writes it, and the
// Content-Length (none for 1xx, 204 and 304, whose body is empty).
std::string Head(const Response& r, unsigned version, bool keep_alive) {
  std::string h;
  h.reserve(320);
  h += "HTTP/";
  h += static_cast<char>('0' + version / 10 % 10);
  h += '.';
  h += static_cast<char>('0' + version % 10);
  h += ' ';
  h += std::to_string(r.status);
  h += ' ';
  h += bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
  h += "\r\nServer: redress\r\n";
  Field(h, "Content-Type", r.content_type);
  h += "X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n";
  bool has_cache_control = false;
  bool has_csp = false;
  for (const auto& [name, value] : r.headers) {
    if (beast::iequals(name, "Cache-Control")) has_cache_control = true;
    if (beast::iequals(name, "Content-Security-Policy")) has_csp = true;
    Field(h, name, value);  // a response may carry several Set-Cookie fields
  }
  if (!has_cache_control) h += "Cache-Control: no-store\r\n";
  if (!has_csp) {
    h += "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n";
  }
  if (version >= 11 && !keep_alive) h += "Connection: close\r\n";
  if (version < 11 && keep_alive) h += "Connection: keep-alive\r\n";
  const bool bodiless = r.status / 100 == 1 || r.status == 204 || r.status == 304;
  if (!bodiless) {
    h += "Content-Length: ";
    h += std::to_string(r.before.size() + r.body.size() + r.after.size());
    h += "\r\n";
  }
  h += "\r\n";
  return h;
}

// What goes on the wire for `r` after its `head`: the body as it is, or the shared text on
// either side of this response's own (Response::shared), without copying either.
std::array<asio::const_buffer, 4> Pieces(const std::string& head, const Response& r) {
  return {asio::buffer(head), asio::buffer(r.before), asio::buffer(r.body), asio::buffer(r.after)};
}

Response ErrorResponse(core::Errc code, std::string detail, const std::string& path) {
  return Problem(core::MakeError(code, std::move(detail)), path);
}

// After refusing a request whose body is still arriving, stop sending and read (and drop)
// what the client still sends for a short while, so it can finish writing and read our
// answer instead of failing with a reset.
template <typename Entry>
asio::awaitable<void> LingeringClose(tcp::socket& stream, Entry& watch) {
  beast::error_code ec;
  stream.shutdown(tcp::socket::shutdown_send, ec);
  watch.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::array<char, 64 * 1024> sink;
  size_t drained = 0;
  while (drained < 16 * 1024 * 1024 && !watch.expired) {
    auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    drained += n;
  }
  stream.close(ec);
}

// How often a context looks for connections past their deadline: a tenth of the shorter
// limit, between 50 ms and 1 s (a connection is cut at most that late).
std::chrono::milliseconds SweepTick(const Limits& limits) {
  const auto shorter = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::min(limits.request_deadline, limits.idle_timeout));
  return std::clamp(shorter / 10, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

// AwaitCallback's start for Server::AnswerWhenDurable (a named type: async.hpp).
struct WhenDurableStart {
  const std::function<void(std::function<void()>)>* when_durable;
  void operator()(std::function<void(core::Result<bool>)> done) const {
    (*when_durable)([done = std::move(done)] { done(true); });
  }
};

}  // namespace

Server::Server(std::vector<asio::io_context*> contexts, Limits limits, Handler handler,
               UploadPredicate uploads)
    : contexts_(std::move(contexts)),
      limits_(limits),
      handler_(std::move(handler)),
      uploads_(std::move(uploads)),
      acceptor_(*contexts_.front()) {
  for (asio::io_context* c : contexts_) {
    watches_.push_back(std::make_shared<Watch>());
    asio::co_spawn(*c, Sweep(watches_.back(), SweepTick(limits_)), asio::detached);
  }
}

void Server::Watch::Expire(std::chrono::steady_clock::time_point now) {
  for (Entry& e : entries) {
    if (e.expired || e.deadline > now) continue;
    e.expired = true;
    beast::error_code ec;
    e.socket->cancel(ec);  // its read or write ends with operation_aborted
  }
}

asio::awaitable<void> Server::Sweep(std::shared_ptr<Watch> watch, std::chrono::milliseconds tick) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(tick);
    auto [ec] = co_await timer.async_wait(kTuple);
    if (ec) co_return;
    watch->Expire(std::chrono::steady_clock::now());
  }
}

core::Status Server::Listen(const std::string& address, unsigned short port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(address, ec);
  if (ec) return core::MakeError(core::Errc::kInvalid, "bad listen address: " + address);
  tcp::endpoint ep{addr, port};
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::MakeError(core::Errc::kUnavailable,
                           fmt::format("cannot listen on {}:{}: {}", address, port, ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(*contexts_.front(), Accept(), asio::detached);
  return {};
}

void Server::Stop() {
  beast::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Server::Accept() {
  for (;;) {
    const size_t at = next_context_++ % contexts_.size();
    asio::io_context& home = *contexts_[at];
    auto [ec, socket] =
        co_await acceptor_.async_accept(asio::any_io_executor(home.get_executor()), kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    if (connections_->load() >= limits_.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Serve(std::move(socket), watches_[at]), asio::detached);
  }
}

asio::awaitable<void> Server::Serve(tcp::socket socket, std::shared_ptr<Watch> watch) {
  struct Guard {
    std::shared_ptr<std::atomic<int>> n;
    ~Guard() { --*n; }
  } guard{connections_};
  ++*connections_;

  tcp::socket& stream = socket;
  // This connection's deadline, in the context's watch until the coroutine ends (before the
  // socket is destroyed).
  struct Watched {
    std::shared_ptr<Watch> watch;
    std::list<Watch::Entry>::iterator entry;
    ~Watched() { watch->entries.erase(entry); }
  } watched{watch, watch->entries.insert(watch->entries.end(), Watch::Entry{&socket})};
  Watch::Entry& deadline = *watched.entry;
  auto expires_after = [&deadline](auto d) {
    deadline.deadline = std::chrono::steady_clock::now() + d;
  };

  beast::flat_buffer buffer;
  for (;;) {
    // Wait for the first byte of the next request under the idle timeout; from then on the
    // whole request must arrive within the request deadline.
    if (buffer.size() == 0) {
      expires_after(limits_.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(16 * 1024), kTuple);
      if (ec || deadline.expired) break;
      buffer.commit(n);
    }
    expires_after(limits_.request_deadline);

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits_.header_bytes));
    // Beast checks Content-Length against the body limit while it reads the header, before the
    // route is known: allow the largest (upload) size there, and apply the route's own limit
    // once the target is known.
    parser.body_limit(limits_.upload_bytes);
    Response early;
    bool fail = false;
    {
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
      if (deadline.expired) break;
      if (ec == bhttp::error::header_limit) {
        early =
            ErrorResponse(core::Errc::kHeadersTooLarge, "The request headers are too large.", "/");
        fail = true;
      } else if (ec == bhttp::error::body_limit) {
        early = ErrorResponse(core::Errc::kPayloadTooLarge, "The request body is too large.", "/");
        fail = true;
      } else if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
                 ec == asio::error::connection_reset) {
        break;
      } else if (ec) {
        early = ErrorResponse(core::Errc::kMalformed, "The request could not be parsed.", "/");
        fail = true;
      }
    }
    if (!fail) {
      std::string_view target = parser.get().target();
      std::string_view path_only = target.substr(0, target.find('?'));
      // The route is asked only about a body that may be larger than a JSON body: most
      // requests have none, or a Content-Length within that limit.
      const auto length = parser.content_length();
      const bool may_be_large = parser.chunked() || (length && *length > limits_.json_body_bytes);
      const size_t limit = may_be_large && uploads_ && uploads_(path_only)
                               ? limits_.upload_bytes
                               : limits_.json_body_bytes;
      if (length && *length > limit) {
        early = ErrorResponse(core::Errc::kPayloadTooLarge, "The request body is too large.",
                              std::string(path_only));
        const std::string head = Head(early, parser.get().version(), false);
        co_await asio::async_write(stream, Pieces(head, early), kTuple);
        co_await LingeringClose(stream, deadline);
        co_return;
      }
      parser.body_limit(limit);  // chunked bodies are checked as they arrive
      if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        co_await bhttp::async_write(stream, cont, kTuple);
      }
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
      if (deadline.expired) break;
      if (ec == bhttp::error::body_limit) {
        early = ErrorResponse(core::Errc::kPayloadTooLarge, "The request body is too large.",
                              std::string(path_only));
        fail = true;
      } else if (ec == asio::error::eof || ec == asio::error::connection_reset) {
        break;
      } else if (ec) {
        early = ErrorResponse(core::Errc::kMalformed, "The request could not be parsed.",
                              std::string(path_only));
        fail = true;
      }
    }
    if (fail) {
      // The stream is in an unknown state: answer and close.
      const std::string head = Head(early, 11, false);
      expires_after(limits_.request_deadline);
      co_await asio::async_write(stream, Pieces(head, early), kTuple);
      if (!deadline.expired) co_await LingeringClose(stream, deadline);
      co_return;
    }

    auto& msg = parser.get();
    const unsigned version = msg.version();
    const bool keep_alive = msg.keep_alive();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    std::string_view target = msg.target();
    const auto qpos = target.find('?');
    Response res;
    if (!PercentDecode(target.substr(0, qpos), req.path, false) || req.path.empty() ||
        req.path[0] != '/') {
      res = ErrorResponse(core::Errc::kMalformed, "The request path is not valid.", "/");
    } else {
      if (qpos != std::string_view::npos) ParseQuery(target.substr(qpos + 1), req.query);
      for (const auto& field : msg) {
        std::string name(field.name_string());
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        req.headers[std::move(name)] = std::string(field.value());
      }
      req.body = std::move(msg.body());
      req.request_id = fmt::format("{:x}", next_request_id_.fetch_add(1));
      const std::string path = req.path;
      deadline.deadline = std::chrono::steady_clock::time_point::max();  // the handler's time
      try {
        res = co_await handler_(std::move(req));
      } catch (const std::exception& e) {
        spdlog::error("request failed path={} error={}", path, e.what());
        res =
            ErrorResponse(core::Errc::kInternal, "The server failed to handle the request.", path);
      }
    }
    if (durable_.all_durable && !durable_.all_durable()) {
      // What the handler read may be a commit still being flushed: wait for that flush.
      co_await AwaitCallback<bool>(WhenDurableStart{&durable_.when_durable});
    }
    expires_after(limits_.request_deadline);
    const std::string head = Head(res, version, keep_alive);
    auto [wec, written] = co_await asio::async_write(stream, Pieces(head, res), kTuple);
    if (wec || !keep_alive || deadline.expired) break;
  }
  beast::error_code ec;
  stream.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace redress::http

// Bridges between coroutines on the I/O threads and work that must not run there:
//  * Offload(pool, fn): runs fn on a blocking pool (store reads, password hashing) and resumes
//    the coroutine on its own executor with fn's result.
//  * AwaitCallback<T>(start): starts an operation that completes through a callback (store
//    writes, completed on the writer thread once durable) and resumes with its result.
// Initiations are named function objects, not capturing lambdas next to co_await (GCC 12 has
// miscompiled those).
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "core/result.hpp"

namespace redress::http {

template <typename Handler, typename Value>
struct DeliverTo {
  std::shared_ptr<Handler> handler;
  std::shared_ptr<Value> value;
  void operator()() { (*handler)(std::move(*value)); }
};

template <typename R>
struct OffloadInitiation {
  boost::asio::thread_pool* pool;

  template <typename Handler, typename F>
  void operator()(Handler&& handler, F fn) const {
    using H = std::decay_t<Handler>;
    auto h = std::make_shared<H>(std::forward<Handler>(handler));
    boost::asio::post(*pool, Work<H, F>{h, std::move(fn)});
  }

  template <typename H, typename F>
  struct Work {
    std::shared_ptr<H> handler;
    F fn;
    void operator()() {
      auto value = std::make_shared<R>(fn());
      auto ex = boost::asio::get_associated_executor(*handler);
      boost::asio::post(ex, DeliverTo<H, R>{handler, value});
    }
  };
};

template <typename F>
boost::asio::awaitable<std::invoke_result_t<F>> Offload(boost::asio::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F>;
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(R)>(
      OffloadInitiation<R>{&pool}, boost::asio::use_awaitable, std::move(fn));
}

template <typename T>
struct CallbackInitiation {
  template <typename Handler>
  void operator()(Handler&& handler,
                  std::function<void(std::function<void(core::Result<T>)>)> start) const {
    using H = std::decay_t<Handler>;
    auto h = std::make_shared<H>(std::forward<Handler>(handler));
    start(Complete<H>{h});
  }

  template <typename H>
  struct Complete {
    std::shared_ptr<H> handler;
    void operator()(core::Result<T> result) const {
      auto value = std::make_shared<core::Result<T>>(std::move(result));
      auto ex = boost::asio::get_associated_executor(*handler);
      boost::asio::post(ex, DeliverTo<H, core::Result<T>>{handler, value});
    }
  };
};

// `start` receives the callback to hand to the asynchronous operation.
template <typename T>
boost::asio::awaitable<core::Result<T>> AwaitCallback(
    std::function<void(std::function<void(core::Result<T>)>)> start) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(core::Result<T>)>(
      CallbackInitiation<T>{}, boost::asio::use_awaitable, std::move(start));
}

}  // namespace redress::http

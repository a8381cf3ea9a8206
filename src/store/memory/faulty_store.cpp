#include "store/memory/faulty_store.hpp"

#include <utility>

namespace redress::store {

FaultyStore::FaultyStore(core::Store& inner, Options options) : inner_(inner), options_(options) {}

bool FaultyStore::Healthy() const { return !poisoned_.load() && inner_.Healthy(); }

void FaultyStore::Write(TxFn fn, Done done) {
  if (poisoned_.load()) {
    return done(core::MakeError(core::Errc::kUnavailable,
                                "store refuses writes after a failed commit (injected)"));
  }
  const int64_t n = ++writes_;
  if (options_.fail_nth_write == 0 || n != options_.fail_nth_write) {
    return inner_.Write(std::move(fn), std::move(done));
  }
  // Run the real work, then fail as the commit would: the inner store rolls it all back.
  const core::Errc code = options_.code;
  auto failing = [fn = std::move(fn), code](core::StoreTx& tx) -> core::Status {
    if (auto s = fn(tx); !s) return s;
    return core::MakeError(code, "commit failed (injected)");
  };
  if (options_.poison) {
    // Poisoned before `done` runs, as the real stores are.
    auto poisoning_done = [this, done = std::move(done)](core::Status s) {
      poisoned_.store(true);
      done(std::move(s));
    };
    return inner_.Write(std::move(failing), std::move(poisoning_done));
  }
  inner_.Write(std::move(failing), std::move(done));
}

}  // namespace redress::store

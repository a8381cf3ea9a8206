// Store::WriteSync: the blocking form of Write(), for the CLI, jobs and tests. It lives in
// the core library because the use cases call it.
#include "core/ports/store.hpp"

#include <future>

#include "core/codec.hpp"

namespace redress::core {

Status Store::WriteSync(TxFn fn) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(std::move(fn), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

Result<std::vector<FactRow>> Store::Facts(const FactQuery& q) {
  auto r = Facts(std::vector<FactQuery>{q});
  if (!r) return r.error();
  return std::move(r->front());
}

Status StoreTx::InsertComplaint(Complaint& c) { return InsertComplaint(c, EncodeStorage(c)); }

Status StoreTx::UpdateComplaint(const Complaint& c) { return UpdateComplaint(c, EncodeStorage(c)); }

}  // namespace redress::core

#include "store/postgres/pg_conn.hpp"

#include <charconv>
#include <cstring>

namespace redress::store::pg {
namespace {

constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

core::Error Unavailable(std::string detail) {
  return core::MakeError(core::Errc::kUnavailable, std::move(detail));
}

void IgnoreNotice(void*, const char*) {}

}  // namespace

bool IsServerFailure(std::string_view s) {
  if (s.size() != 5) return true;
  const std::string_view cls = s.substr(0, 2);
  return cls == "08" || cls == "53" || cls == "57" || cls == "58" || cls == "XX";
}

// --- Params -----------------------------------------------------------------------------------

Params& Params::Int(int64_t v) {
  Entry e{kInt8Oid, nullptr, 8, false, {}};
  auto u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i) {
    e.be[i] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  entries_.push_back(e);
  return *this;
}

Params& Params::OptInt(const std::optional<int64_t>& v) {
  if (v) return Int(*v);
  entries_.push_back(Entry{kInt8Oid, nullptr, 0, true, {}});
  return *this;
}

Params& Params::Text(std::string_view v) {
  // Binary text is the bytes themselves; a pointer is never null for libpq, even when empty.
  entries_.push_back(
      Entry{kTextOid, v.empty() ? "" : v.data(), static_cast<int>(v.size()), false, {}});
  return *this;
}

void Params::Build(std::vector<Oid>& types, std::vector<const char*>& values,
                   std::vector<int>& lengths, std::vector<int>& formats) const {
  types.clear();
  values.clear();
  lengths.clear();
  formats.clear();
  for (const Entry& e : entries_) {
    types.push_back(e.type);
    values.push_back(e.null ? nullptr : e.type == kInt8Oid ? e.be : e.data);
    lengths.push_back(e.length);
    formats.push_back(1);
  }
}

// --- Res --------------------------------------------------------------------------------------

int64_t Res::Int(int row, int col) const {
  const std::string_view v = View(row, col);
  int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

int64_t Res::Affected() const {
  if (!r_) return 0;
  const char* n = PQcmdTuples(r_.get());
  int64_t out = 0;
  std::from_chars(n, n + std::strlen(n), out);
  return out;
}

// --- Conn -------------------------------------------------------------------------------------

core::Result<std::unique_ptr<Conn>> Conn::Open(const std::string& url, const std::string& setup) {
  PGconn* raw = PQconnectdb(url.c_str());
  if (raw == nullptr) return Unavailable("postgresql: out of memory");
  std::unique_ptr<Conn> c(new Conn(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    // The message names the host and port, never a password.
    std::string msg = PQerrorMessage(raw);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Unavailable("postgresql: cannot connect: " + msg);
  }
  PQsetNoticeProcessor(raw, &IgnoreNotice, nullptr);
  if (!setup.empty()) {
    PGresult* r = PQexec(raw, setup.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    std::string msg = ok ? "" : PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) return Unavailable("postgresql: session setup: " + msg);
  }
  if (PQenterPipelineMode(raw) != 1) {
    return Unavailable("postgresql: cannot enter pipeline mode");
  }
  return c;
}

Conn::~Conn() {
  if (c_ != nullptr) PQfinish(c_);
}

bool Conn::Broken() const { return broken_ || PQstatus(c_) != CONNECTION_OK; }

core::Error Conn::Fail(std::string_view what, const char* message) {
  if (PQstatus(c_) != CONNECTION_OK) broken_ = true;
  std::string msg = message != nullptr ? message : "";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return core::MakeError(core::Errc::kInternal,
                         "postgresql: " + std::string(what) + (msg.empty() ? "" : ": " + msg));
}

core::Status Conn::Send(const std::string& name, std::string_view sql, const Params& p) {
  if (Broken()) return Unavailable("postgresql: connection lost");
  p.Build(types_, values_, lengths_, formats_);
  if (prepared_.find(name) == prepared_.end()) {
    const std::string text(sql);
    if (PQsendPrepare(c_, name.c_str(), text.c_str(), p.size(), types_.data()) != 1) {
      return Fail(name, PQerrorMessage(c_));
    }
    prepared_.insert(name);
    pending_.push_back({true, name});
  }
  if (PQsendQueryPrepared(c_, name.c_str(), p.size(), values_.data(), lengths_.data(),
                          formats_.data(), 0) != 1) {
    return Fail(name, PQerrorMessage(c_));
  }
  pending_.push_back({false, name});
  return {};
}

core::Status Conn::Fetch(const std::string& name, std::string_view sql, const Params& p) {
  if (auto s = Send(name, sql, p); !s) return s;
  pending_.back().keep = true;
  return {};
}

core::Result<std::vector<Res>> Conn::Collect() {
  std::vector<Res> kept;
  if (auto s = Drain(nullptr, &kept); !s) return s.error();
  return kept;
}

core::Status Conn::Queue(const std::string& name, std::string_view sql, const Params& p) {
  if (auto s = Send(name, sql, p); !s) return s;
  // Keep a pipeline short: the server's results must not fill the socket while we still send.
  if (pending_.size() >= 128) return Sync();
  return {};
}

core::Result<Res> Conn::Run(const std::string& name, std::string_view sql, const Params& p) {
  if (auto s = Send(name, sql, p); !s) {
    (void)Drain(nullptr);
    return s.error();
  }
  Res res;
  if (auto s = Drain(&res); !s) return s.error();
  return res;
}

core::Status Conn::Sync() {
  if (pending_.empty()) return {};
  return Drain(nullptr);
}

void Conn::Reset() {
  if (Broken()) return;
  (void)Sync();
  if (PQtransactionStatus(c_) != PQTRANS_IDLE) (void)RunCommand("ROLLBACK");
}

core::Status Conn::QueueCommand(std::string_view sql) {
  if (Broken()) return Unavailable("postgresql: connection lost");
  const std::string text(sql);
  if (PQsendQueryParams(c_, text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
    return Fail(text, PQerrorMessage(c_));
  }
  pending_.push_back({false, text});
  if (pending_.size() >= 128) return Sync();
  return {};
}

core::Status Conn::RunCommand(std::string_view sql) {
  if (auto s = QueueCommand(sql); !s) {
    (void)Drain(nullptr);
    return s;
  }
  return Drain(nullptr);
}

core::Status Conn::Drain(Res* last, std::vector<Res>* kept) {
  last_state_.clear();
  last_constraint_.clear();
  core::Status first;
  if (PQpipelineSync(c_) != 1) {
    broken_ = true;
    pending_.clear();
    return Unavailable("postgresql: connection lost");
  }
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Pending& p = pending_[i];
    PGresult* r = PQgetResult(c_);
    if (r == nullptr) {
      broken_ = true;
      if (first) first = Unavailable("postgresql: connection lost");
      break;
    }
    const ExecStatusType st = PQresultStatus(r);
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
      if (p.prepare) prepared_.erase(p.name);
      if (first && st != PGRES_PIPELINE_ABORTED) {
        const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        last_state_ = state != nullptr ? state : "";
        const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        last_constraint_ = constraint != nullptr ? constraint : "";
        core::Error e = Fail(p.name, PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
        if (IsServerFailure(last_state_)) e.code = core::Errc::kUnavailable;
        first = std::move(e);
      }
      PQclear(r);
    } else if (kept != nullptr && p.keep) {
      kept->emplace_back(r);
    } else if (last != nullptr && i + 1 == pending_.size() && !p.prepare) {
      *last = Res(r);
    } else {
      PQclear(r);
    }
    // Each statement's results end with a null.
    while ((r = PQgetResult(c_)) != nullptr) {
      if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {  // out of step: should not happen
        PQclear(r);
        broken_ = true;
        pending_.clear();
        return Unavailable("postgresql: pipeline out of step");
      }
      PQclear(r);
    }
  }
  pending_.clear();
  if (!broken_) {
    PGresult* r = PQgetResult(c_);
    const bool synced = r != nullptr && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
    if (r != nullptr) PQclear(r);
    if (!synced) {
      broken_ = true;
      if (first) first = Unavailable("postgresql: pipeline out of step");
    }
  }
  if (first && Broken()) first = Unavailable("postgresql: connection lost");
  return first;
}

}  // namespace redress::store::pg

#include "importer/cfpb_import.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/codec.hpp"
#include "core/json_writer.hpp"
#include "core/lifecycle.hpp"
#include "util/crypto.hpp"

namespace redress::importer {
namespace {

using core::Errc;
using core::MakeError;

constexpr const char* kPlaceholderPrefix = "REDRESSIMPORT";

std::string ReferenceMember(const core::Reference& r) {
  return "\"reference\":\"" + r.ToString() + "\"";
}

// One record on its way to the store: mapped, encoded and with its event built, all off the
// writer thread.
struct Pending {
  cfpb::MappedRow row;
  std::string doc;    // the stored encoding (Store::PackRecord), with the placeholder reference
                      // unless it is packed (which leaves the reference out)
  core::Event event;  // "imported": after = the record without its reference
};

struct Batch {
  std::vector<Pending> rows;
  ImportSummary counts;  // what the write did (valid once it committed)
};

void Prepare(Pending& p, const core::Store& store, const ImportOptions& o) {
  core::Complaint& c = p.row.complaint;
  c.reference.prefix = kPlaceholderPrefix;
  c.reference.sequence = 0;
  p.doc = core::EncodeStorage(c);
  core::Event& e = p.event;
  e.at = o.now;
  e.actor = o.actor;
  e.action = "imported";
  e.before = "{}";
  // The record is in the complaint row already: the event names where it came from and holds
  // the digest of what was stored (without the reference, which is the event's own).
  std::string record = p.doc;
  ReplaceMember(record, PlaceholderMember(c.reference.year), "");
  core::JsonWriter w(e.after);
  w.BeginObject();
  w.Key("source");
  w.BeginObject();
  w.Key("system");
  w.String(c.source.system);
  w.Key("id");
  w.String(c.source.id);
  w.Key("row_digest");
  w.String(p.row.row_hash);
  w.EndObject();
  w.Key("record_sha256");
  w.String(util::Sha256Hex(record));
  w.EndObject();
  // SHA-256 of PayloadBytes(e) (before, "\n", after) without building that string.
  e.payload_digest = util::Sha256Hex2("{}\n", e.after);
  p.doc = store.PackRecord(std::move(p.doc));
}

// The key of an imported complaint, to record with the batch's others (PutSources).
core::SourceKey KeyOf(const core::Complaint& c, const std::string& row_hash) {
  core::SourceKey k;
  k.system = cfpb::kSystem;
  k.external_id = c.source.id;
  k.complaint_id = c.id;
  k.row_hash = row_hash;
  return k;
}

// The fields a re-import sets: those the mapping derives from the CFPB record. Everything
// Redress added (reference, assignee, investigator, priority, notes...) stays.
core::Complaint Merge(const core::Complaint& old, const core::Complaint& m) {
  core::Complaint c = old;
  c.received_at = m.received_at;
  c.channel = m.channel;
  c.subject.type = m.subject.type;
  c.subject.product = m.subject.product;
  c.description = m.description;
  c.assessment.category = m.assessment.category;
  c.policy_id = m.policy_id;
  c.clocks = m.clocks;
  c.state = m.state;
  c.decision = m.decision;
  c.closure = m.closure;
  c.source = m.source;
  return c;
}

core::Status Update(core::StoreTx& tx, const core::SourceKey& key, Pending& p,
                    const ImportOptions& o, std::vector<core::SourceKey>& keys) {
  auto loaded = tx.LoadComplaint(key.reference);
  if (!loaded) return loaded.error();
  if (!loaded->has_value()) {
    return MakeError(Errc::kInternal, "imported complaint " + key.reference.ToString() +
                                          " is missing from the store");
  }
  const core::Complaint& old = **loaded;
  core::Complaint c = Merge(old, p.row.complaint);
  c.version = old.version + 1;
  c.updated_at = o.now;
  if (auto s = tx.UpdateComplaint(c); !s) return s;
  core::Event e = core::ChangeEvent(old, c, core::Actor{core::ActorKind::kSystem, o.actor},
                                    "import_updated", o.now);
  if (auto s = tx.AppendEvent(e); !s) return s;
  keys.push_back(KeyOf(c, p.row.row_hash));
  return {};
}

core::Status Insert(core::StoreTx& tx, Pending& p, int64_t seq, const ImportOptions& o,
                    std::vector<core::SourceKey>& keys) {
  core::Complaint& c = p.row.complaint;
  const std::string placeholder = PlaceholderMember(c.reference.year);
  c.reference.prefix = o.reference_prefix;
  c.reference.sequence = seq;
  // A packed record holds no reference: the store writes the complaint's.
  if (!core::IsPackedRecord(p.doc) &&
      !ReplaceMember(p.doc, placeholder, ReferenceMember(c.reference))) {
    return MakeError(Errc::kInternal, "import: the encoded record has no reference member");
  }
  if (auto s = tx.InsertComplaint(c, std::move(p.doc)); !s) return s;
  p.event.complaint_id = c.id;
  p.event.reference = c.reference.ToString();
  if (auto s = tx.AppendEvent(p.event); !s) return s;
  keys.push_back(KeyOf(c, p.row.row_hash));
  return {};
}

// An export lists complaints received by Redress itself under their reference: importing
// such a row into the store it came from finds that complaint, and leaves it alone.
core::Result<bool> IsOwnComplaint(core::StoreTx& tx, const std::string& id,
                                  const ImportOptions& o) {
  auto ref = core::ParseReference(id, o.reference_prefix);
  if (!ref || ref->ToString() != id) return false;
  auto c = tx.LoadComplaint(*ref);
  if (!c) return c.error();
  return c->has_value() && (*c)->source.system.empty();
}

// Runs on the store's writer, inside one transaction (a SAVEPOINT in a group commit). First
// every key is looked up (FindSources: one statement for the batch where the store can), so
// the references of the new rows are reserved with one statement per received year; then the
// rows are written in file order.
core::Status WriteBatch(core::StoreTx& tx, Batch& b, const ImportOptions& o) {
  b.counts = {};
  enum class Plan { kNew, kKnown, kOwn, kLookAgain };
  std::vector<Plan> plan(b.rows.size(), Plan::kNew);
  std::vector<core::SourceKey> keys(b.rows.size());
  std::unordered_set<std::string_view> new_ids;
  std::map<int, int64_t> new_per_year;  // then: the next sequence number of each year
  // The keys of every row's ID, in one look-up where the store can (a round trip each on
  // PostgreSQL).
  std::vector<std::string_view> ids;
  ids.reserve(b.rows.size());
  for (const Pending& p : b.rows) ids.push_back(p.row.complaint.source.id);
  auto found = tx.FindSources(cfpb::kSystem, ids);
  if (!found) return found.error();
  for (size_t i = 0; i < b.rows.size(); ++i) {
    const core::Complaint& c = b.rows[i].row.complaint;
    if (new_ids.count(c.source.id) != 0) {
      plan[i] = Plan::kLookAgain;  // a second row of an ID this batch inserts
      continue;
    }
    if ((*found)[i].has_value()) {
      plan[i] = Plan::kKnown;
      keys[i] = std::move(*(*found)[i]);
      continue;
    }
    auto own = IsOwnComplaint(tx, c.source.id, o);
    if (!own) return own.error();
    if (*own) {
      plan[i] = Plan::kOwn;
      continue;
    }
    new_ids.insert(c.source.id);
    ++new_per_year[c.reference.year];
  }
  for (auto& [year, count] : new_per_year) {
    auto first = tx.ReserveSequences(year, count);
    if (!first) return first.error();
    count = *first;
  }
  // The keys of the rows written, recorded together (PutSources: one statement where the store
  // can), before a look-up that must see them and at the end.
  std::vector<core::SourceKey> put;
  put.reserve(b.rows.size());
  auto record_keys = [&]() -> core::Status {
    if (put.empty()) return {};
    core::Status s = tx.PutSources(put);
    put.clear();
    return s;
  };
  for (size_t i = 0; i < b.rows.size(); ++i) {
    Pending& p = b.rows[i];
    if (plan[i] == Plan::kLookAgain) {
      if (auto s = record_keys(); !s) return s;
      auto key = tx.FindSource(cfpb::kSystem, p.row.complaint.source.id);
      if (!key) return key.error();
      if (!key->has_value()) return MakeError(Errc::kInternal, "import: a new key vanished");
      keys[i] = std::move(**key);
      plan[i] = Plan::kKnown;
    }
    switch (plan[i]) {
      case Plan::kNew:
        if (auto s = Insert(tx, p, new_per_year[p.row.complaint.reference.year]++, o, put); !s) {
          return s;
        }
        ++b.counts.imported;
        break;
      case Plan::kKnown:
        if (keys[i].row_hash == p.row.row_hash) {
          ++b.counts.unchanged;
        } else {
          if (auto s = Update(tx, keys[i], p, o, put); !s) return s;
          ++b.counts.updated;
        }
        break;
      case Plan::kOwn:
      case Plan::kLookAgain:
        ++b.counts.unchanged;
        break;
    }
  }
  return record_keys();
}

// Hands batches to the store's writer, at most `max_in_flight` at a time.
class Pipeline {
 public:
  Pipeline(core::Store& store, const ImportOptions& o) : store_(store), o_(o) {}
  ~Pipeline() { Drain(); }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void Submit(std::shared_ptr<Batch> b) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return in_flight_ < o_.max_in_flight; });
      ++in_flight_;
    }
    const ImportOptions& o = o_;
    store_.Write([b, &o](core::StoreTx& tx) { return WriteBatch(tx, *b, o); },
                 [this, b](core::Status s) {
                   std::lock_guard lock(mu_);
                   --in_flight_;
                   if (s) {
                     committed_.imported += b->counts.imported;
                     committed_.updated += b->counts.updated;
                     committed_.unchanged += b->counts.unchanged;
                   } else if (!failed_) {
                     failed_ = std::move(s).error();
                   }
                   // Cleared and reused by the reading thread: freeing thousands of records
                   // here would cost the writer time, and glibc pages besides.
                   spare_.push_back(std::move(b));
                   cv_.notify_all();
                 });
  }

  void Drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return in_flight_ == 0; });
  }

  // An empty batch, reusing the memory of a written one where there is one.
  std::shared_ptr<Batch> NewBatch(size_t rows) {
    std::shared_ptr<Batch> b;
    {
      std::lock_guard lock(mu_);
      if (!spare_.empty()) {
        b = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    if (!b) b = std::make_shared<Batch>();
    b->rows.clear();
    b->rows.reserve(rows);
    return b;
  }

  bool Failed() {
    std::lock_guard lock(mu_);
    return failed_.has_value();
  }
  std::optional<core::Error> Failure() {
    std::lock_guard lock(mu_);
    return failed_;
  }
  ImportSummary Committed() {
    std::lock_guard lock(mu_);
    return committed_;
  }

 private:
  core::Store& store_;
  const ImportOptions& o_;
  std::mutex mu_;
  std::condition_variable cv_;
  int in_flight_ = 0;                          // GUARDED_BY(mu_)
  ImportSummary committed_;                    // GUARDED_BY(mu_)
  std::optional<core::Error> failed_;          // GUARDED_BY(mu_)
  std::vector<std::shared_ptr<Batch>> spare_;  // GUARDED_BY(mu_)
};

core::Error BadRowError(const BadRow& bad) {
  return MakeError(Errc::kInvalid, fmt::format("line {}: {}", bad.line, bad.reason));
}

}  // namespace

std::string PlaceholderMember(int year) {
  return ReferenceMember(core::Reference{kPlaceholderPrefix, year, 0});
}

bool ReplaceMember(std::string& doc, std::string_view member, std::string_view replacement) {
  const size_t at = doc.find(member);
  if (at == std::string::npos) return false;
  if (!replacement.empty()) {
    doc.replace(at, member.size(), replacement);
    return true;
  }
  // Removing: take one neighbouring comma with it, so the object stays valid JSON.
  if (at + member.size() < doc.size() && doc[at + member.size()] == ',') {
    doc.erase(at, member.size() + 1);
  } else if (at > 0 && doc[at - 1] == ',') {
    doc.erase(at - 1, member.size() + 1);
  } else {
    doc.erase(at, member.size());
  }
  return true;
}

core::Result<cfpb::Header> ReadCfpbHeader(const std::string& path) {
  std::optional<core::Result<cfpb::Header>> header;
  auto s = PeekCsvFile(path, [&](CsvRecord& r) {
    header = cfpb::ParseHeader(r.fields);
    return false;
  });
  if (!s) return s.error();
  if (!header) return MakeError(Errc::kInvalid, InputName(path) + " is empty: no CSV header");
  return *header;
}

core::Result<std::optional<BadRow>> CheckCfpbFile(const std::string& path,
                                                  const ImportOptions& options) {
  std::optional<cfpb::Header> header;
  std::optional<core::Error> header_error;
  std::optional<BadRow> bad;
  const cfpb::MapContext ctx{options.policy, options.now, options.actor};
  auto s = ReadCsvFile(path, [&](CsvRecord& r) {
    if (!header) {
      auto h = cfpb::ParseHeader(r.fields);
      if (!h) {
        header_error = h.error();
        return false;
      }
      header = *h;
      return true;
    }
    auto m = cfpb::MapRecord(*header, r, ctx);
    if (!m) {
      bad = BadRow{r.line, m.error().detail};
      return false;
    }
    return true;
  });
  if (!s) return s.error();
  if (header_error) return *header_error;
  if (!header) return MakeError(Errc::kInvalid, InputName(path) + " is empty: no CSV header");
  return bad;
}

core::Result<ImportSummary> ImportCfpb(core::Store& store, const std::string& path,
                                       const ImportOptions& o) {
  if (o.policy == nullptr) return MakeError(Errc::kInvalid, "import: no policy");
  util::InitCrypto();
  std::optional<cfpb::Header> header;
  std::optional<core::Error> stop;
  ImportSummary read;  // rows and bad; the rest comes from committed batches
  const cfpb::MapContext ctx{o.policy, o.now, o.actor};
  const size_t batch_rows = std::max<size_t>(1, o.batch_rows);
  Pipeline pipe(store, o);
  auto batch = pipe.NewBatch(batch_rows);

  auto progress = [&] {
    ImportSummary s = pipe.Committed();
    s.rows = read.rows;
    s.bad = read.bad;
    s.file_offset = read.file_offset;
    o.on_progress(s);
  };
  core::Status s = ReadCsvFile(path, [&](CsvRecord& r) {
    if (!header) {
      auto h = cfpb::ParseHeader(r.fields);
      if (!h) {
        stop = h.error();
        return false;
      }
      header = *h;
      return true;
    }
    ++read.rows;
    read.file_offset = r.file_offset;
    auto m = cfpb::MapRecord(*header, r, ctx);
    if (!m) {
      ++read.bad;
      BadRow bad{r.line, m.error().detail, &r.fields};
      if (o.on_bad) o.on_bad(bad);
      if (o.strict) {
        stop = BadRowError(bad);
        return false;
      }
      return true;
    }
    Pending p;
    p.row = std::move(*m);
    Prepare(p, store, o);
    batch->rows.push_back(std::move(p));
    if (batch->rows.size() >= batch_rows) {
      pipe.Submit(std::move(batch));
      batch = pipe.NewBatch(batch_rows);
      if (pipe.Failed()) return false;
    }
    if (o.on_progress && o.progress_every > 0 && read.rows % o.progress_every == 0) progress();
    return true;
  });
  if (s && !stop && !batch->rows.empty() && !pipe.Failed()) pipe.Submit(std::move(batch));
  pipe.Drain();
  if (auto failure = pipe.Failure()) return *failure;
  if (!s) return s.error();
  if (stop) return *stop;
  if (!header) return MakeError(Errc::kInvalid, InputName(path) + " is empty: no CSV header");
  ImportSummary out = pipe.Committed();
  out.rows = read.rows;
  out.bad = read.bad;
  return out;
}

}  // namespace redress::importer

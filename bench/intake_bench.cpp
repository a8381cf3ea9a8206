// Micro-benchmarks of the intake path's CPU work, which runs once per POST /api/v1/complaints:
// the lifecycle's Receive (record + two events), the storage encoding, the 201 body, and the
// decoding a read does. Run: build/bench/intake_bench (make bench runs it too).
#include <benchmark/benchmark.h>

#include "config/policy_loader.hpp"
#include "core/codec.hpp"
#include "core/json_writer.hpp"
#include "core/lifecycle.hpp"
#include "core/ports/store.hpp"
#include "store/sqlite/record_pack.hpp"

namespace {

using namespace redress;

const core::Policy& Policy() {
  static const core::Policy p = [] {
    auto all = config::LoadPolicyDir(std::string(REDRESS_SOURCE_DIR) + "/policies");
    if (!all) std::abort();
    for (auto& each : *all) {
      if (each.id == "iso-default") return each;
    }
    std::abort();
  }();
  return p;
}

core::Complaint Receipt() {
  core::Complaint c;
  c.reference = core::Reference{"CMP", 2026, 123};
  c.channel = core::Channel::kApi;
  c.complainant.name = "Bench Person";
  c.complainant.email = "bench@example.org";
  c.subject.product = "Current account";
  c.description = "I was charged a fee twice for one transfer.";
  c.remedy_requested = "Refund the second fee.";
  c.received_at = core::FromMillis(1795460914417);
  c.secret_hash = std::string(64, 'a');
  return c;
}

const core::Instant kNow = core::FromMillis(1795460914417);

void BM_Receive(benchmark::State& state) {
  const core::Complaint r = Receipt();
  for (auto _ : state) {
    auto applied = core::Receive(r, Policy(), core::Actor::Complainant(), kNow);
    benchmark::DoNotOptimize(applied);
  }
}
BENCHMARK(BM_Receive);

void BM_EncodeStorage(benchmark::State& state) {
  const core::Complaint c =
      core::Receive(Receipt(), Policy(), core::Actor::Complainant(), kNow).after;
  for (auto _ : state) benchmark::DoNotOptimize(core::EncodeStorage(c));
}
BENCHMARK(BM_EncodeStorage);

// The complainant's view of the new complaint as intake writes it into the 201 body: text,
// straight from the record.
void BM_ComplainantBody(benchmark::State& state) {
  const core::Complaint c =
      core::Receive(Receipt(), Policy(), core::Actor::Complainant(), kNow).after;
  std::string out;
  for (auto _ : state) {
    out.clear();
    core::JsonWriter w(out);
    w.BeginObject();
    core::WriteComplainantMembers(w, c);
    w.EndObject();
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ComplainantBody);

// A stored record read back as the stores read it (simdjson).
void BM_DecodeStorage(benchmark::State& state) {
  const core::Complaint c =
      core::Receive(Receipt(), Policy(), core::Actor::Complainant(), kNow).after;
  const std::string doc = core::EncodeStorage(c);
  for (auto _ : state) {
    auto back = core::DecodeStorage(doc);
    benchmark::DoNotOptimize(back);
  }
}
BENCHMARK(BM_DecodeStorage);

// The SQLite store's packing of a stored record (record_pack.hpp), with a dictionary made of 48
// records like it (other numbers, descriptions and times), as a store makes its own; and the
// unpacking a read of it does before DecodeStorage.
const store::sqlite::PackDict& BenchDict() {
  static const store::sqlite::PackDict d = [] {
    std::vector<std::string> records;
    for (int i = 0; i < store::sqlite::kDictRecords; ++i) {
      core::Complaint r = Receipt();
      r.reference.sequence = 1000 + i;
      r.description = "Complaint number " + std::to_string(i) + ": the fee was charged again.";
      r.received_at = kNow - std::chrono::hours(i * 7);
      records.push_back(core::EncodeStorage(
          core::Receive(r, Policy(), core::Actor::Complainant(), r.received_at).after));
    }
    return store::sqlite::PackDict(1, store::sqlite::DictBytes(records));
  }();
  return d;
}

void BM_PackRecord(benchmark::State& state) {
  const std::string doc = core::EncodeStorage(
      core::Receive(Receipt(), Policy(), core::Actor::Complainant(), kNow).after);
  const auto& dict = BenchDict();
  for (auto _ : state) benchmark::DoNotOptimize(dict.Pack(doc));
  state.counters["bytes"] = static_cast<double>(doc.size());
  state.counters["packed"] = static_cast<double>(dict.Pack(doc).size());
}
BENCHMARK(BM_PackRecord);

void BM_UnpackRecord(benchmark::State& state) {
  const core::Complaint c =
      core::Receive(Receipt(), Policy(), core::Actor::Complainant(), kNow).after;
  const auto& dict = BenchDict();
  const std::string packed = dict.Pack(core::EncodeStorage(c));
  const std::string reference = c.reference.ToString();
  for (auto _ : state) {
    auto back = store::sqlite::Unpack(packed, dict, reference);
    benchmark::DoNotOptimize(back);
  }
}
BENCHMARK(BM_UnpackRecord);

// A JSON string of a complaint's narrative: about 1,100 bytes of text with a few quotes,
// line breaks and non-ASCII letters, as the CFPB's narratives have.
void BM_JsonStringNarrative(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < 8; ++i) {
    text += "On XX/XX/2025 I called the bank about a \"late fee\" of $35.00 that was charged ";
    text +=
        "although my payment arrived on time.\nThe agent, Ren\xc3\xa9"
        "e, said it would be ";
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    core::AppendJsonString(out, text);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_JsonStringNarrative);

// A first page of GET /api/v1/complaints (50 complaints as an imported store lists them: long
// category and product names, one instant a day, a due instant each) written as its 200 body.
void BM_ListPage(benchmark::State& state) {
  core::ListPage page;
  for (int i = 0; i < 50; ++i) {
    core::ComplaintSummary s;
    s.id = 1000 + i;
    s.reference = core::Reference{"CMP", 2026, 48027 - i}.ToString();
    s.state = core::State::kAcknowledged;
    s.category = i % 2 ? "Incorrect information on your report / Account status incorrect"
                       : "Improper use of your report / Reporting company used your report "
                         "improperly";
    s.product = "Credit reporting or other personal consumer reports";
    s.channel = core::Channel::kWeb;
    s.received_at = core::FromMillis(1776441600000 - (i / 10) * 86400000LL);
    s.due = s.received_at + std::chrono::days(61);
    s.overdue = true;
    page.items.push_back(std::move(s));
  }
  page.next_cursor = "eyJzIjowLCJ0IjoxNzc2NDQxNjAwMDAwLCJpIjoxMDAwfQ";
  for (auto _ : state) {
    std::string out;
    core::WriteListPage(out, page);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_ListPage);

}  // namespace

BENCHMARK_MAIN();

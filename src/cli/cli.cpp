#include "cli/cli.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "app/audit.hpp"
#include "cli/import_cmd.hpp"
#include "cli/mailgate_cmd.hpp"
#include "cli/migrate_cmd.hpp"
#include "cli/progress.hpp"
#include "cli/report_cmd.hpp"
#include "cli/runtime.hpp"
#include "config/mail_config.hpp"
#include "config/policy_loader.hpp"
#include "core/codec.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "http/web.hpp"
#include "jobs/scheduler.hpp"
#include "mail/outbox_sender.hpp"
#include "mail/smtp.hpp"
#include "mail/templates.hpp"
#include "store/memory/memory_store.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/sqlite/record_pack.hpp"
#include "util/crypto.hpp"

namespace redress::cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr int kCheckFailed = 3;

int Fail(const core::Error& e) {
  std::cerr << "redress: " << e.detail << "\n";
  for (const auto& f : e.fields) std::cerr << "  " << f.pointer << ": " << f.message << "\n";
  const bool usage = e.code == core::Errc::kInvalid || e.code == core::Errc::kMalformed ||
                     e.code == core::Errc::kNotFound || e.code == core::Errc::kConflict;
  return usage ? kUsage : kFailed;
}

int Usage(const std::string& message) {
  std::cerr << "redress: " << message << "\n";
  return kUsage;
}

bool SplitListen(const std::string& listen, std::string& host, unsigned short& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), ::isdigit)) return false;
  const long n = std::stol(p);
  if (n > 65535) return false;
  port = static_cast<unsigned short>(n);
  return true;
}

struct Common {
  std::string data = "var";
  std::string policies;
  std::string store;  // --store (the commands that take it); see StoreSetting
};

void AddCommon(CLI::App* cmd, Common& c) {
  cmd->add_option("--data", c.data, "Data directory (SQLite store, attachments)")
      ->capture_default_str();
  cmd->add_option(
      "--policies", c.policies,
      "Policies directory (default: $REDRESS_POLICIES, ./policies, or the shipped set)");
}

// --store, for the commands that open the store for reading and writing.
void AddStore(CLI::App* cmd, Common& c) { cmd->add_option("--store", c.store, kStoreOptionHelp); }

// Opens the store the command's --store (or $REDRESS_STORE) names.
core::Result<std::unique_ptr<core::Store>> OpenCommonStore(const Common& c, bool create) {
  return OpenAnyStore({c.data, c.policies}, StoreSetting(c.store), create);
}

// --- serve --------------------------------------------------------------------------------------

struct ServeOptions {
  Common common;
  std::string listen = "127.0.0.1:8080";
  std::string default_policy = "iso-default";
  std::string reference_prefix = "CMP";
  int io_threads = 0;
  int clock_interval_ms = 60000;
  int view_cache_mb = 64;  // the staff views kept for gets (http/view_cache.hpp)
  int read_threads = 0;    // 0: ReadThreads()
  int idle_timeout_s = 60;
  int request_deadline_s = 10;
  bool cookie_secure = false;
  std::string mail;     // mail settings (TOML); empty: no mail channel
  std::string standby;  // --standby, else $REDRESS_STANDBY: a PostgreSQL standby's URL
};

// This process's name in claims on shared background work: host and process id.
std::string NodeName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host, getpid());
}

// Threads for store reads when --read-threads is not given. SQLite's reads use the CPU (its
// pages are in memory or the kernel's cache): one thread per core, at least two, as more only
// take turns on the cores with the I/O threads (on 2 cores four threads served 9-13 % fewer
// list pages at 1,000,000 complaints than two, docs/performance.md). PostgreSQL's wait on the
// network: twice the cores, at least four.
int ReadThreads(const std::string& store, int cores) {
  return store::IsPostgresUrl(store) ? std::max(4, 2 * cores) : std::max(2, cores);
}

int Serve(const ServeOptions& o) {
  std::string host;
  unsigned short port = 0;
  if (!SplitListen(o.listen, host, port)) return Usage("--listen must be HOST:PORT");
  if (o.reference_prefix.empty() || o.reference_prefix.size() > 8 ||
      !std::all_of(o.reference_prefix.begin(), o.reference_prefix.end(), ::isupper)) {
    return Usage("--reference-prefix must be 1 to 8 capital letters");
  }
  auto loaded = LoadPoliciesAndTaxonomy(PoliciesDir(o.common.policies));
  if (!loaded) return Fail(loaded.error());
  bool found = false;
  for (const auto& p : loaded->policies) found = found || p.id == o.default_policy;
  if (!found) return Usage("--default-policy " + o.default_policy + " is not a loaded policy");

  // The mail channel: settings, and the templates (refused at start-up if one names an
  // unknown variable).
  config::MailConfig mail_config;
  std::optional<mail::TemplateSet> templates;
  if (!o.mail.empty()) {
    auto loaded_mail = config::LoadMailConfig(o.mail);
    if (!loaded_mail) return Fail(loaded_mail.error());
    mail_config = std::move(*loaded_mail);
    if (mail_config.outgoing) {
      auto t = mail::TemplateSet::Load(MailTemplatesDir(mail_config.templates_dir),
                                       mail_config.notify.default_language);
      if (!t) return Fail(t.error());
      templates = std::move(*t);
    }
  }

  // Declared first so they are destroyed last: the store's writer completes requests by
  // posting to them, and connection coroutines still suspended in them are destroyed with them.
  // One io_context per I/O thread, each run by that thread alone (concurrency hint 1): a
  // connection stays on one, so its handlers need no strand.
  const int threads = o.io_threads > 0
                          ? o.io_threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  std::vector<boost::asio::io_context*> context_ptrs;
  for (int i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<boost::asio::io_context>(1));
    context_ptrs.push_back(contexts.back().get());
  }
  boost::asio::io_context& ioc = *contexts.front();  // accepts; takes the signals
  // Keeps each context's run() going while it has no connection.
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> busy;
  for (auto& c : contexts) busy.push_back(boost::asio::make_work_guard(*c));

  std::string standby = o.standby;
  if (const char* env = std::getenv("REDRESS_STANDBY"); standby.empty() && env) standby = env;
  auto opened =
      OpenAnyStore({o.common.data, o.common.policies}, StoreSetting(o.common.store), true, standby);
  if (!opened) return Fail(opened.error());
  std::unique_ptr<core::Store> store = std::move(*opened);

  SystemClock clock;
  app::ServiceConfig config;
  config.default_policy = o.default_policy;
  config.reference_prefix = o.reference_prefix;
  config.categories = loaded->categories;
  config.notify = mail_config.notify;
  config.node = NodeName();
  app::ComplaintService service(*store, clock, std::move(loaded->policies), config);
  http::ApiOptions api_options;
  api_options.data_dir = o.common.data;
  api_options.cookie_secure = o.cookie_secure;
  api_options.view_cache_bytes = static_cast<size_t>(o.view_cache_mb) * 1024 * 1024;
  api_options.read_threads =
      o.read_threads > 0 ? o.read_threads
                         : ReadThreads(StoreSetting(o.common.store),
                                       static_cast<int>(std::thread::hardware_concurrency()));
  api_options.mailgate_token_hash = mail_config.inbound_token_hash;
  api_options.mail_max_bytes = mail_config.inbound_max_bytes;
  api_options.mail_domain = mail_config.outgoing ? mail_config.message_id_domain : "";
  api_options.learning.organisation = mail_config.notify.organisation;
  api_options.learning.fca_group = loaded->fca_groups;
  api_options.learning.targets = loaded->objectives;
  http::Api api(service, *store, api_options);
  http::Web web(service, api);

  http::Limits limits;
  limits.upload_bytes = std::max(limits.upload_bytes, mail_config.inbound_max_bytes);
  limits.idle_timeout = std::chrono::seconds(o.idle_timeout_s);
  limits.request_deadline = std::chrono::seconds(o.request_deadline_s);
  http::Server server(
      context_ptrs, limits,
      [&api, &web](http::Request r) {
        return http::Web::Owns(r.path) ? web.Handle(std::move(r)) : api.Handle(std::move(r));
      },
      [&api](std::string_view path) {
        return api.AllowsUpload(path) || http::Web::AllowsUpload(path);
      });
  server.AnswerWhenDurable(
      {[&store] { return store->AllDurable(); },
       [&store](std::function<void()> then) { store->WhenDurable(std::move(then)); }});
  if (auto s = server.Listen(host, port); !s) return Fail(s.error());

  jobs::ClockScheduler scheduler(service, std::chrono::milliseconds(o.clock_interval_ms));
  scheduler.AlsoHourly("effectiveness_checks", [&api] {
    auto checked = api.learning().EvaluateChecks();
    if (!checked) {
      spdlog::warn("effectiveness checks failed: {}", checked.error().detail);
    } else if (*checked > 0) {
      spdlog::info("effectiveness checks: {} actions evaluated", *checked);
    }
  });
  scheduler.Start();

  std::unique_ptr<mail::SmtpMailer> mailer;
  std::unique_ptr<mail::OutboxSender> sender;
  if (templates) {
    mailer = std::make_unique<mail::SmtpMailer>(mail_config.smtp);
    mail::SenderSettings settings;
    settings.from_address = mail_config.from_address;
    settings.from_name = mail_config.from_name;
    settings.domain = mail_config.message_id_domain;
    settings.retry = mail_config.retry;
    settings.poll = mail_config.poll;
    sender = std::make_unique<mail::OutboxSender>(service, *store, *templates, *mailer, settings);
    sender->Start();
    spdlog::info("mail: sending through {}", mail_config.smtp.url);
  }
  if (!mail_config.inbound_token_hash.empty()) spdlog::info("mail: intake on");

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    spdlog::info("shutting down");
    server.Stop();
    busy.clear();
    for (auto& c : contexts) c->stop();
  });

  // Tests and scripts read this line to learn the port. One write: log lines go to stdout
  // too, from other threads (the clock scheduler's first run among them), and one could land
  // between the pieces of a line written piece by piece.
  const std::string listening = fmt::format("redress listening on {}:{}\n", host, server.port());
  std::fwrite(listening.data(), 1, listening.size(), stdout);
  std::fflush(stdout);
  spdlog::info("serving on {}:{} with {} I/O threads and {} read threads, data in {}, {} store",
               host, server.port(), threads, api_options.read_threads, o.common.data,
               StoreKind(StoreSetting(o.common.store)));

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) {
    pool.emplace_back([c = contexts[static_cast<size_t>(i)].get()] {
      pthread_setname_np(pthread_self(), "redress-io");
      c->run();
    });
  }
  pthread_setname_np(pthread_self(), "redress-io");
  ioc.run();
  for (auto& t : pool) t.join();

  // Shut down in dependency order: nothing new starts, running work finishes, and every
  // queued write commits (its completion is posted to the stopped, still alive, io_context).
  scheduler.Stop();
  if (sender) sender->Stop();  // the attempt under way is recorded first
  api.Shutdown();
  store.reset();
  spdlog::info("stopped");
  return kOk;
}

// --- user -------------------------------------------------------------------------------------

struct UserOptions {
  Common common;
  std::string name;
  std::string role;
  std::string display_name;
  bool password_stdin = false;
  bool generate_password = false;
};

bool ValidUsername(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](unsigned char ch) {
           return std::isalnum(ch) || ch == '.' || ch == '_' || ch == '-';
         });
}

int UserAdd(const UserOptions& o) {
  if (!ValidUsername(o.name)) {
    return Usage("--name must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  auto role = core::ParseRole(o.role);
  if (!role) return Usage("--role must be handler, investigator, manager, auditor or admin");
  if (o.password_stdin == o.generate_password) {
    return Usage("give exactly one of --password-stdin or --generate-password");
  }
  std::string password;
  if (o.password_stdin) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.size() < 12 || password.size() > 1024) {
      return Usage("the password must be 12 to 1024 characters");
    }
  } else {
    util::InitCrypto();
    password = util::RandomToken(15);  // 120 bits, 24 characters
  }
  auto store = OpenCommonStore(o.common, true);
  if (!store) return Fail(store.error());
  auto hash = util::HashPassword(password);
  if (!hash) {
    std::cerr << "redress: out of memory while hashing the password\n";
    return kFailed;
  }
  core::User user;
  user.username = o.name;
  user.role = *role;
  user.display_name = o.display_name;
  user.password_hash = *hash;
  user.must_change_password = o.generate_password;
  user.created_at = SystemClock().Now();
  core::Status s = (*store)->WriteSync([&user](core::StoreTx& tx) -> core::Status {
    if (auto st = tx.InsertUser(user); !st) return st;
    core::Event e;
    e.at = user.created_at;
    e.actor = "cli";
    e.action = "user_created";
    e.before = "{}";
    e.after =
        nlohmann::json{{"username", user.username}, {"role", core::ToString(user.role)}}.dump();
    return tx.AppendEvent(e);
  });
  if (!s) {
    if (s.error().code == core::Errc::kConflict) return Usage("user " + o.name + " already exists");
    return Fail(s.error());
  }
  std::cout << "created " << core::ToString(user.role) << " " << user.username << "\n";
  if (o.generate_password) std::cout << "one-time password: " << password << "\n";
  return kOk;
}

int UserList(const UserOptions& o) {
  auto store = OpenCommonStore(o.common, false);
  if (!store) return Fail(store.error());
  auto users = (*store)->ListUsers();
  if (!users) return Fail(users.error());
  std::cout << fmt::format("{:<24} {:<13} {:<8} {}\n", "USERNAME", "ROLE", "STATE", "CREATED");
  for (const auto& u : *users) {
    std::cout << fmt::format("{:<24} {:<13} {:<8} {}\n", u.username, core::ToString(u.role),
                             u.disabled ? "disabled" : "active", core::FormatInstant(u.created_at));
  }
  return kOk;
}

int UserDisable(const UserOptions& o) {
  if (!ValidUsername(o.name)) return Usage("--name is required");
  auto store = OpenCommonStore(o.common, false);
  if (!store) return Fail(store.error());
  const core::Instant now = SystemClock().Now();
  core::Status s = (*store)->WriteSync([&](core::StoreTx& tx) -> core::Status {
    auto u = tx.LoadUser(o.name);
    if (!u) return u.error();
    if (!u->has_value()) return core::MakeError(core::Errc::kNotFound, "no user " + o.name);
    core::User user = **u;
    user.disabled = true;
    if (auto st = tx.UpdateUser(user); !st) return st;
    if (auto st = tx.DeleteSessionsOf(user.id); !st) return st;
    core::Event e;
    e.at = now;
    e.actor = "cli";
    e.action = "user_disabled";
    e.before = nlohmann::json{{"username", user.username}, {"disabled", false}}.dump();
    e.after = nlohmann::json{{"username", user.username}, {"disabled", true}}.dump();
    return tx.AppendEvent(e);
  });
  if (!s) return Fail(s.error());
  std::cout << "disabled " << o.name << "\n";
  return kOk;
}

// --- policy, audit, backup, routes ------------------------------------------------------------

int PolicyCheck(const std::string& file, const std::string& policies_flag) {
  auto p = config::LoadPolicyFile(file);
  if (!p) return Fail(p.error());
  auto check = core::CheckPolicy(*p);
  for (const auto& e : check.errors) std::cout << "error: " << e << "\n";
  std::vector<std::string> warnings = check.warnings;
  auto shipped = config::LoadPolicyDir(PoliciesDir(policies_flag));
  if (shipped) {
    for (auto& w : config::CompareWithShipped(*p, *shipped)) warnings.push_back(std::move(w));
  }
  for (const auto& w : warnings) std::cout << "warning: " << w << "\n";
  if (!check.errors.empty()) return kUsage;
  if (!warnings.empty()) return kCheckFailed;
  std::cout << "ok: " << p->id << " (" << p->name << "), " << p->clocks.size() << " clock rules\n";
  return kOk;
}

int AuditVerify(const Common& c, bool json_out) {
  std::unique_ptr<core::Store> store;
  if (store::IsPostgresUrl(StoreSetting(c.store))) {
    auto pg = OpenCommonStore(c, false);
    if (!pg) return Fail(pg.error());
    store = std::move(*pg);
  } else {
    const std::string path = c.data + "/redress.db";
    if (!std::filesystem::exists(path)) return Usage("no store at " + path);
    auto sqlite = store::SqliteStore::OpenReadOnly(path);
    if (!sqlite) return Fail(sqlite.error());
    store = std::move(*sqlite);
  }
  auto report = app::VerifyAudit(*store);
  if (!report) return Fail(report.error());
  if (json_out) {
    nlohmann::json j = {
        {"ok", report->ok}, {"events", report->events}, {"head_hash", report->head_hash}};
    if (!report->ok) {
      j["first_bad_seq"] = *report->first_bad_seq;
      j["problem"] = report->problem;
    }
    std::cout << j.dump() << "\n";
  } else if (report->ok) {
    std::cout << "ok: " << report->events << " events, chain head " << report->head_hash << "\n";
  } else {
    std::cout << "TAMPERED: event " << *report->first_bad_seq << ": " << report->problem << " ("
              << report->events << " events before it verified)\n";
  }
  return report->ok ? kOk : kCheckFailed;
}

int Backup(const Common& c, const std::string& dest) {
  if (dest.empty()) return Usage("DEST is required");
  if (std::filesystem::exists(dest)) return Usage(dest + " already exists; choose a new path");
  const std::string path = c.data + "/redress.db";
  if (!std::filesystem::exists(path)) return Usage("no store at " + path);
  auto store = store::SqliteStore::OpenReadOnly(path);
  if (!store) return Fail(store.error());
  if (auto s = (*store)->Backup(dest); !s) return Fail(s.error());
  std::cout << "backed up " << path << " to " << dest << "\n";
  return kOk;
}

// Packs what an older binary (or a store without a dictionary yet) wrote plain: records and
// receipts (SqliteStore::PackPlain), beside a running service or not.
int Pack(const Common& c, int rows, bool vacuum) {
  if (rows <= 0) return Usage("--rows must be positive");
  const std::string path = c.data + "/redress.db";
  if (!std::filesystem::exists(path)) return Usage("no store at " + path);
  auto store = OpenStore({c.data, c.policies}, false);
  if (!store) return Fail(store.error());
  Progress progress;
  auto n = (*store)->PackPlain(rows, [&progress](const store::SqliteStore::PackCounts& k) {
    progress.Say(fmt::format("packed {} records and {} receipts", k.records, k.payloads));
  });
  progress.Clear();
  if (!n) return Fail(n.error());
  if (!n->dictionary) {
    std::cout << "nothing packed: the store holds fewer than " << store::sqlite::kDictRecords
              << " complaints, too few to make its dictionary of\n";
    return kOk;
  }
  auto mb = [](int64_t bytes) { return static_cast<double>(bytes) / 1e6; };
  std::cout << fmt::format(
      "packed {} records and {} receipts in {:.1f} s: {:.1f} MB of JSON into {:.1f} MB{}\n",
      n->records, n->payloads, progress.Seconds(), mb(n->bytes_before), mb(n->bytes_after),
      n->kept_plain != 0 ? fmt::format(" ({} kept plain)", n->kept_plain) : "");
  if (!vacuum) return kOk;
  store->reset();  // closed: VACUUM needs the store to itself
  std::error_code ec;
  const auto before = std::filesystem::file_size(path, ec);
  progress.Say("vacuuming " + path);
  auto s = store::SqliteStore::Vacuum(path);
  progress.Clear();
  if (!s) return Fail(s.error());
  const auto after = std::filesystem::file_size(path, ec);
  std::cout << fmt::format("vacuumed {}: {:.1f} MB, {:.1f} MB before\n", path,
                           mb(static_cast<int64_t>(after)), mb(static_cast<int64_t>(before)));
  return kOk;
}

int Routes() {
  store::MemoryStore store;
  SystemClock clock;
  core::Policy placeholder;
  placeholder.id = "none";
  app::ComplaintService service(store, clock, {placeholder}, {});
  http::Api api(service, store, {});
  for (const auto& r : api.RouteList()) std::cout << r << "\n";
  return kOk;
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App app{"Redress: ISO 10002 complaint handling", "redress"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "redress 0.1.0");

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the HTTP service");
  AddCommon(serve_cmd, serve.common);
  AddStore(serve_cmd, serve.common);
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0 picks one)")
      ->capture_default_str();
  serve_cmd->add_option("--default-policy", serve.default_policy, "Policy for new complaints")
      ->capture_default_str();
  serve_cmd->add_option("--reference-prefix", serve.reference_prefix, "Reference prefix")
      ->capture_default_str();
  serve_cmd->add_option("--io-threads", serve.io_threads, "I/O threads (default: one per core)");
  serve_cmd
      ->add_option("--clock-interval-ms", serve.clock_interval_ms,
                   "How often the clock scheduler runs")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600000));
  serve_cmd
      ->add_option("--idle-timeout", serve.idle_timeout_s,
                   "Seconds a kept-alive connection may wait for its next request")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  serve_cmd
      ->add_option("--request-deadline", serve.request_deadline_s,
                   "Seconds a request may take to arrive, from its first byte, and its "
                   "response to be sent")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  serve_cmd
      ->add_option("--view-cache-mb", serve.view_cache_mb,
                   "Memory for the complaint views kept for staff gets (0: none; SQLite store "
                   "only)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65536));
  serve_cmd
      ->add_option("--read-threads", serve.read_threads,
                   "Threads for store reads (default: one per core, at least 2, with "
                   "SQLite; twice the cores, at least 4, with PostgreSQL)")
      ->check(CLI::Range(1, 256));
  serve_cmd->add_option("--mail", serve.mail,
                        "Mail settings (TOML: outgoing SMTP, templates, mailgate token; "
                        "docs/mail.md)");
  serve_cmd->add_option("--standby", serve.standby,
                        "A streaming-replication standby of the --store PostgreSQL database "
                        "(postgresql:// URL): lists, dashboards and analytics read from it "
                        "(default: $REDRESS_STANDBY)");
  serve_cmd->add_flag("--cookie-secure", serve.cookie_secure,
                      "Pages are served over HTTPS (directly or behind a TLS proxy): session "
                      "cookies get Secure and the __Host- prefix");

  UserOptions user;
  auto* user_cmd = app.add_subcommand("user", "Manage staff users");
  user_cmd->require_subcommand(1);
  auto* user_add = user_cmd->add_subcommand("add", "Add a user");
  AddCommon(user_add, user.common);
  AddStore(user_add, user.common);
  user_add->add_option("--name", user.name, "Username")->required();
  user_add->add_option("--role", user.role, "handler, investigator, manager, auditor or admin")
      ->required();
  user_add->add_option("--display-name", user.display_name, "Full name");
  user_add->add_flag("--password-stdin", user.password_stdin, "Read the password from stdin");
  user_add->add_flag("--generate-password", user.generate_password,
                     "Generate a one-time password and print it");
  auto* user_list = user_cmd->add_subcommand("list", "List users");
  AddCommon(user_list, user.common);
  AddStore(user_list, user.common);
  auto* user_disable = user_cmd->add_subcommand("disable", "Disable a user and end their sessions");
  AddCommon(user_disable, user.common);
  AddStore(user_disable, user.common);
  user_disable->add_option("--name", user.name, "Username")->required();

  std::string policy_file;
  Common policy_common;
  auto* policy_cmd = app.add_subcommand("policy", "Policies");
  policy_cmd->require_subcommand(1);
  auto* policy_check = policy_cmd->add_subcommand("check", "Check a policy file");
  policy_check->add_option("FILE", policy_file, "Policy TOML file")->required();
  policy_check->add_option("--policies", policy_common.policies,
                           "Shipped policies to compare with");

  Common audit_common;
  bool audit_json = false;
  auto* audit_cmd = app.add_subcommand("audit", "Audit trail");
  audit_cmd->require_subcommand(1);
  auto* audit_verify = audit_cmd->add_subcommand("verify", "Verify the event hash chain");
  AddCommon(audit_verify, audit_common);
  AddStore(audit_verify, audit_common);
  audit_verify->add_flag("--json", audit_json, "Print the report as JSON");

  Common backup_common;
  std::string backup_dest;
  auto* backup_cmd = app.add_subcommand("backup", "Online backup of the store to DEST");
  AddCommon(backup_cmd, backup_common);
  backup_cmd->add_option("DEST", backup_dest, "Path of the new backup file")->required();

  Common pack_common;
  int pack_rows = 1000;
  auto* pack_cmd = app.add_subcommand(
      "pack", "Pack the records and receipts an older binary wrote plain (SQLite store)");
  AddCommon(pack_cmd, pack_common);
  pack_cmd->add_option("--rows", pack_rows, "Rows looked at in each write")->capture_default_str();
  bool pack_vacuum = false;
  pack_cmd->add_flag("--vacuum", pack_vacuum,
                     "Then rewrite the file without the space freed (the service stopped)");

  auto* routes_cmd = app.add_subcommand("routes", "List the HTTP routes");

  DataCommands data_cmds(app);  // import cfpb, export csv
  MailgateCommand mailgate(app);
  ReportCommands reports(app);  // report review, report return
  MigrateCommand migrate(app);  // migrate-store

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "redress: " << e.what() << "\nRun with --help for usage.\n";
    // The mailgate speaks sysexits to its MTA: EX_USAGE (64).
    if (argc > 1 && std::string_view(argv[1]) == "mailgate") return 64;
    return kUsage;
  }

  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  if (serve_cmd->parsed()) return Serve(serve);
  if (user_add->parsed()) return UserAdd(user);
  if (user_list->parsed()) return UserList(user);
  if (user_disable->parsed()) return UserDisable(user);
  if (policy_check->parsed()) return PolicyCheck(policy_file, policy_common.policies);
  if (audit_verify->parsed()) return AuditVerify(audit_common, audit_json);
  if (backup_cmd->parsed()) return Backup(backup_common, backup_dest);
  if (pack_cmd->parsed()) return Pack(pack_common, pack_rows, pack_vacuum);
  if (routes_cmd->parsed()) return Routes();
  if (data_cmds.Parsed()) return data_cmds.Run();
  if (mailgate.Parsed()) return mailgate.Run();
  if (reports.Parsed()) return reports.Run();
  if (migrate.Parsed()) return migrate.Run();
  return kUsage;
}

}  // namespace redress::cli

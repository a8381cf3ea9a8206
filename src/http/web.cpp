#include "http/web.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>

#include "app/requests.hpp"
#include "core/codec.hpp"
#include "http/async.hpp"
#include "http/attachment_files.hpp"
#include "http/cookies.hpp"
#include "http/form.hpp"
#include "http/web_assets.hpp"
#include "util/crypto.hpp"

namespace redress::http {
namespace asio = boost::asio;
namespace mu = kainjow::mustache;
using core::Errc;
using core::MakeError;
using nlohmann::json;

namespace {

constexpr std::string_view kPageCsp =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
constexpr std::string_view kCsrfCookie = "redress_csrf";
constexpr std::string_view kLangCookie = "redress_lang";
constexpr size_t kMaxAttachments = 5;

// --- Message files --------------------------------------------------------------------------

struct Catalog {
  std::string code;  // "en"
  json strings;      // key -> text
  mu::data data;     // the same, as template data
};

const std::vector<Catalog>& Catalogs() {
  static const auto* catalogs = [] {
    auto* out = new std::vector<Catalog>();
    for (const auto& f : EmbeddedFiles()) {
      if (!f.path.starts_with("i18n/") || !f.path.ends_with(".json")) continue;
      Catalog c;
      c.code = std::string(f.path.substr(5, f.path.size() - 10));
      c.strings = json::parse(f.data, nullptr, false);
      if (!c.strings.is_object()) {
        spdlog::error("message file {} is not a JSON object; skipped", f.path);
        continue;
      }
      for (auto it = c.strings.begin(); it != c.strings.end(); ++it) {
        if (it->is_string()) c.data.set(it.key(), it->get<std::string>());
      }
      out->push_back(std::move(c));
    }
    // English first: the fallback.
    std::stable_partition(out->begin(), out->end(),
                          [](const Catalog& c) { return c.code == "en"; });
    return out;
  }();
  return *catalogs;
}

const Catalog* FindCatalog(std::string_view code) {
  for (const auto& c : Catalogs()) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

std::string Text(const Catalog& c, const std::string& key) {
  auto it = c.strings.find(key);
  if (it != c.strings.end() && it->is_string()) return it->get<std::string>();
  if (const Catalog* en = FindCatalog("en"); en != nullptr && en != &c) return Text(*en, key);
  return key;
}

std::string TemplateText(std::string_view name) {
  const EmbeddedFile* f = FindEmbedded(fmt::format("templates/{}.html", name));
  return f ? std::string(f->data) : std::string();
}

void SetIf(mu::data& d, const std::string& key, const std::string& value) {
  if (!value.empty()) d.set(key, value);
}

std::string LocalDateText(const std::optional<core::Instant>& t) {
  if (!t) return {};
  return core::FormatDate(date::year_month_day(std::chrono::floor<date::days>(*t)));
}

// The YYYY-MM-DD part of an ISO instant or date text.
std::string DatePart(const json& j) {
  return j.is_string() ? j.get<std::string>().substr(0, 10) : "";
}

Response Redirect(std::string location) {
  Response r = Response::Text(303, "", "text/plain; charset=utf-8");
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

// The form fields of the complaint form: form name, JSON pointer of the API's field, and the
// id of the control in web/templates/form.html (what the error summary links to).
struct FormField {
  const char* name;
  const char* pointer;
  const char* id;
};
constexpr FormField kComplaintFields[] = {
    {"complainant.name", "/complainant/name", "complainant-name"},
    {"complainant.email", "/complainant/email", "complainant-email"},
    {"complainant.phone", "/complainant/phone", "complainant-phone"},
    {"complainant.address", "/complainant/address", "complainant-address"},
    {"complainant.account_number", "/complainant/account_number", "complainant-account"},
    {"representative.name", "/representative/name", "representative-name"},
    {"contact_preference.channel", "/contact_preference/channel", "contact-channel"},
    {"subject_type", "/subject_type", "subject-type"},
    {"product", "/product", "product"},
    {"event_date", "/event_date", "event-date"},
    {"description", "/description", "description"},
    {"remedy_requested", "/remedy_requested", "remedy"},
    {"immediate_action", "/immediate_action", "urgent"},
    {"accessibility_needs", "/accessibility_needs", "accessibility"},
};
// The file input: checked here, not by the API's rules.
constexpr FormField kAttachmentsField = {"attachments", "", "attachments"};

const FormField& FieldNamed(std::string_view name) {
  for (const auto& f : kComplaintFields) {
    if (name == f.name) return f;
  }
  return kAttachmentsField;  // the only other field a message can name
}

std::string DataKey(std::string_view form_name) {
  std::string key(form_name);
  std::replace(key.begin(), key.end(), '.', '_');
  return key;
}

// A field error from the rules, in the page's language where we have a message for its kind.
std::string FieldMessage(const Catalog& lang, const std::string& pointer,
                         const std::string& message) {
  if (pointer == "/complainant/email" && message.find("reach you") != std::string::npos) {
    return Text(lang, "msg_contact");
  }
  if (message.find("required") != std::string::npos) return Text(lang, "msg_required");
  if (message.find("email") != std::string::npos) return Text(lang, "msg_email");
  if (message.find("long") != std::string::npos) return Text(lang, "msg_too_long");
  if (message.find("future") != std::string::npos) return Text(lang, "msg_future_date");
  return Text(lang, "msg_invalid");
}

}  // namespace

// --- A page being answered: language, CSRF cookie, rendering ---------------------------------

struct Web::Page {
  const Catalog* lang = nullptr;
  bool lang_from_query = false;
  std::string csrf;  // the portal's double-submit token
  bool new_csrf = false;
  std::string path;
  bool secure = false;
  Form form;             // a POST's fields, parsed once by Route
  bool csrf_ok = false;  // a POST carried the right CSRF token from a same-origin page

  std::string T(const std::string& key) const { return Text(*lang, key); }

  Response Render(unsigned status, std::string_view name, mu::data d, const std::string& title,
                  bool portal = true) const {
    d.set("t", lang->data);
    d.set("csrf", csrf);
    mu::mustache body_tmpl{TemplateText(name)};
    std::string content = body_tmpl.render(d);
    mu::data layout;
    layout.set("t", lang->data);
    layout.set("lang", lang->code);
    layout.set("title", title);
    layout.set("content", content);
    layout.set("portal", portal);
    const EntryAssets assets = AssetsOf("src/portal.js");
    mu::data styles{mu::data::type::list};
    for (const auto& s : assets.styles) styles.push_back(mu::data(s));
    layout.set("styles", styles);
    SetIf(layout, "script", assets.script);
    mu::data languages{mu::data::type::list};
    for (const auto& c : Catalogs()) {
      mu::data item;
      item.set("code", c.code);
      item.set("name", Text(c, "lang_name"));
      item.set("path", path);
      item.set("current", &c == lang);
      languages.push_back(item);
    }
    layout.set("languages", languages);
    mu::mustache layout_tmpl{TemplateText("layout")};
    Response r = Response::Text(status, layout_tmpl.render(layout), "text/html; charset=utf-8");
    Finish(r);
    return r;
  }

  // Headers every page response carries.
  void Finish(Response& r) const {
    r.headers.emplace_back("Content-Security-Policy", std::string(kPageCsp));
    r.headers.emplace_back("Cache-Control", "no-store");
    if (new_csrf) {
      r.headers.emplace_back("Set-Cookie", CookieHeader(kCsrfCookie, csrf, secure, true, {}));
    }
    if (lang_from_query) {
      r.headers.emplace_back("Set-Cookie",
                             CookieHeader(kLangCookie, lang->code, secure, false, 31536000L));
    }
  }

  Response Message(unsigned status, const std::string& heading, const std::string& message,
                   bool alert = true) const {
    mu::data d;
    d.set("heading", heading);
    d.set("message", message);
    d.set("kind", alert ? "alert" : "notice");
    d.set("role", alert ? "alert" : "status");
    return Render(status, "message", std::move(d), heading);
  }
};

Web::Web(app::ComplaintService& service, Api& api) : service_(service), api_(api) {}

bool Web::Owns(std::string_view path) {
  return !(path.starts_with("/api/") || path == "/api" || path == "/healthz" ||
           path == "/metrics" || path == "/openapi.json");
}

asio::awaitable<Response> Web::Handle(Request req) {
  Page page;
  page.path = req.path;
  page.secure = api_.options().cookie_secure;
  // Language: ?lang= (remembered in a cookie), the cookie, Accept-Language, English.
  if (const Catalog* c = FindCatalog(req.Query("lang"))) {
    page.lang = c;
    page.lang_from_query = true;
  } else if (const Catalog* c2 = FindCatalog(CookieValue(req, kLangCookie))) {
    page.lang = c2;
  } else {
    const std::string accept = req.Header("accept-language");
    size_t best = std::string::npos;
    for (const auto& c3 : Catalogs()) {
      size_t at = accept.find(c3.code);
      if (at != std::string::npos && at < best) {
        best = at;
        page.lang = &c3;
      }
    }
  }
  if (page.lang == nullptr) page.lang = Catalogs().empty() ? nullptr : &Catalogs().front();
  if (page.lang == nullptr) {
    co_return Response::Text(500, "The message files are missing from this build.",
                             "text/plain; charset=utf-8");
  }
  page.csrf = CookieValue(req, kCsrfCookie);
  if (page.csrf.size() < 20 || page.csrf.size() > 64) {
    page.csrf = util::RandomToken(20);
    page.new_csrf = true;
  }
  co_return co_await Route(req, page);
}

asio::awaitable<Response> Web::Route(Request& req, Page& page) {
  const std::string& p = req.path;
  if (req.method == "GET" && p == "/favicon.ico") {
    // No icon: say so cheaply, and let browsers remember it for a day.
    Response r = Response::Text(204, "", "image/x-icon");
    r.headers.emplace_back("Cache-Control", "public, max-age=86400");
    co_return r;
  }
  if (req.method == "GET" && p.starts_with("/assets/")) {
    const EmbeddedFile* f = FindEmbedded("dist" + p);
    if (f == nullptr) co_return page.Message(404, page.T("error_title"), page.T("not_found_page"));
    Response r = Response::Text(200, std::string(f->data), std::string(f->content_type));
    // Hashed names: a changed file gets a new name, so a year is safe.
    r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
    co_return r;
  }
  const bool post = req.method == "POST";
  if (post) {
    // Every form on these pages carries a CSRF token; the console's logout form the session's
    // own, the others the double-submit cookie's. Cross-site posts are refused outright.
    auto form = ParseForm(req.Header("content-type"), req.body);
    if (form) page.form = std::move(*form);
    const bool console_form = p == "/console/logout";
    const std::string expected =
        console_form ? CsrfTokenFor(CookieValue(req, SessionCookieName(page.secure)))
                     : (page.new_csrf ? std::string() : page.csrf);
    page.csrf_ok = form && SameOrigin(req) && TokenMatches(page.form.Get("csrf"), expected);
    if (!page.csrf_ok) {
      if (!form) {
        co_return page.Message(form.error().code == Errc::kUnsupportedMedia ? 415 : 400,
                               page.T("error_title"), page.T("bad_request"));
      }
      if (p == "/complaint") co_return co_await SubmitComplaint(req, page);  // shows the form
      co_return page.Message(403, page.T("error_title"), page.T("form_expired"));
    }
  }
  if (p == "/" || p == "/complaint") {
    if (req.method == "GET") co_return co_await SubmitComplaint(req, page);
    if (post && p == "/complaint") co_return co_await SubmitComplaint(req, page);
  }
  if (p == "/status") {
    if (req.method == "GET") co_return co_await ShowStatus(req, page, "lookup");
    if (post) co_return co_await ShowStatus(req, page, "show");
  }
  if (post && (p == "/status/information" || p == "/status/withdraw" || p == "/status/survey" ||
               p == "/status/survey-opt-out")) {
    co_return co_await ShowStatus(req, page, p.substr(8));
  }
  if (p == "/console/login" && (req.method == "GET" || post)) co_return co_await Login(req, page);
  if (p == "/console/logout" && post) co_return co_await Logout(req, page);
  if ((p == "/console" || p.starts_with("/console/")) && req.method == "GET") {
    co_return co_await Console(req, page);
  }
  co_return page.Message(404, page.T("error_title"), page.T("not_found_page"));
}

// --- The complaint form ------------------------------------------------------------------------

asio::awaitable<Response> Web::SubmitComplaint(Request& req, Page& page) {
  const bool submitted = req.method == "POST";
  const Form& form = page.form;
  std::map<std::string, std::string> errors;  // form name -> message
  std::string form_error;
  const bool csrf_ok = submitted && page.csrf_ok;
  if (submitted && !csrf_ok) form_error = page.T("form_expired");

  if (submitted && csrf_ok) {
    // The form's fields as the API's JSON, so the same rules check them.
    json body = json::object();
    for (const auto& f : kComplaintFields) {
      const std::string v = form.Get(f.name);
      if (!v.empty()) body[json::json_pointer(f.pointer)] = v;
    }
    if (!body.contains("complainant")) body["complainant"] = json::object();
    body["complainant"]["is_customer"] = form.Get("complainant.is_customer") != "no";
    if (form.Get("survey_opt_out") == "yes") body["survey_opt_out"] = true;
    body["channel"] = "web";
    body["contact_preference"]["language"] = page.lang->code;
    std::vector<core::Attachment> attachments;
    std::vector<const FormFile*> files;
    for (const auto& f : form.files) {
      if (f.field == "attachments" && !(f.filename.empty() && f.data.empty())) files.push_back(&f);
    }
    bool files_ok = files.size() <= kMaxAttachments;
    for (const FormFile* f : files) {
      if (f->data.empty() || f->filename.size() > 255 ||
          !ContentMatches(f->content_type, f->data)) {
        files_ok = false;
      }
    }
    if (!files_ok) errors["attachments"] = page.T("msg_attachment");
    const core::Instant now = service_.clock().Now();
    auto receipt = app::ParseNewComplaint(body, app::Intake::kPublic, now);
    if (!receipt) {
      for (const auto& fe : receipt.error().fields) {
        for (const auto& f : kComplaintFields) {
          if (fe.pointer == f.pointer && !errors.count(f.name)) {
            errors[f.name] = FieldMessage(*page.lang, fe.pointer, fe.message);
          }
        }
        if (fe.pointer.starts_with("/complainant") && fe.pointer != "/complainant/email" &&
            errors.empty()) {
          errors["complainant.name"] = FieldMessage(*page.lang, fe.pointer, fe.message);
        }
      }
      if (errors.empty()) form_error = page.T("msg_invalid");
    }
    if (receipt && errors.empty()) {
      // Files first (content-addressed, durable), then the complaint that names them.
      std::string digest_input = body.dump();
      for (const FormFile* f : files) {
        core::Attachment meta;
        meta.content_type = f->content_type;
        meta.size = static_cast<int64_t>(f->data.size());
        meta.filename = f->filename;
        auto job = [this, f, &meta]() -> core::Status {
          return StoreAttachmentFile(api_.options().data_dir, f->data, meta);
        };
        auto stored = co_await Offload(api_.blocking(), std::move(job));
        if (!stored) {
          co_return page.Message(StatusOf(stored.error().code), page.T("error_title"),
                                 stored.error().detail);
        }
        digest_input += meta.sha256;
        attachments.push_back(std::move(meta));
      }
      std::string key = form.Get("idempotency_key");
      if (key.size() > 64) key.clear();
      const std::string body_hash = key.empty() ? std::string() : util::Sha256Hex(digest_input);
      using StartFn = std::function<void(std::function<void(core::Result<app::CreateResult>)>)>;
      StartFn start = [this, r = std::move(*receipt), key, body_hash,
                       atts = std::move(attachments)](auto done) mutable {
        service_.Create(std::move(r), core::Actor::Complainant(), "portal", key, body_hash,
                        std::move(done), std::move(atts));
      };
      auto created = co_await AwaitCallback<app::CreateResult>(std::move(start));
      if (!created) {
        co_return page.Message(StatusOf(created.error().code), page.T("error_title"),
                               created.error().detail);
      }
      const json b = created->Body();
      mu::data d;
      d.set("reference", created->reference);
      d.set("secret", b.value("secret", ""));
      if (b.contains("clocks") && b["clocks"].is_array()) {
        for (const auto& c : b["clocks"]) {
          if (c.value("name", "") == "final_response")
            SetIf(d, "respond_by", DatePart(c["local_due"]));
        }
      }
      co_return page.Render(201, "confirmation", std::move(d), page.T("confirm_title"));
    }
  }

  // The form, empty or with the values sent and the messages next to their fields.
  mu::data d;
  mu::data f;
  for (const auto& field : kComplaintFields) {
    mu::data item;
    item.set("value", form.Get(field.name));
    if (auto it = errors.find(field.name); it != errors.end()) SetIf(item, "error", it->second);
    f.set(DataKey(field.name), item);
  }
  mu::data att;
  if (auto it = errors.find("attachments"); it != errors.end()) att.set("error", it->second);
  f.set("attachments", att);
  d.set("f", f);
  d.set("not_customer", form.Get("complainant.is_customer") == "no");
  d.set("survey_opt_out", form.Get("survey_opt_out") == "yes");
  mu::data list{mu::data::type::list};
  for (const auto& [name, message] : errors) {
    mu::data e;
    e.set("id", FieldNamed(name).id);
    e.set("label", name);
    e.set("message", message);
    list.push_back(e);
  }
  d.set("error_list", list);
  d.set("has_errors", !errors.empty());
  SetIf(d, "form_error", form_error);
  d.set("idempotency_key", util::RandomToken(16));
  d.set("today", LocalDateText(service_.clock().Now()));
  auto options = [&](std::initializer_list<std::pair<const char*, const char*>> values,
                     const std::string& chosen) {
    mu::data out{mu::data::type::list};
    for (const auto& [value, label] : values) {
      mu::data o;
      o.set("value", value);
      o.set("label", page.T(label));
      o.set("selected", chosen == value);
      out.push_back(o);
    }
    return out;
  };
  d.set("channels",
        options(
            {{"email", "channel_email"}, {"phone", "channel_phone"}, {"letter", "channel_letter"}},
            form.Get("contact_preference.channel")));
  d.set("subject_types", options({{"product", "subject_product"},
                                  {"service", "subject_service"},
                                  {"staff", "subject_staff"},
                                  {"policy", "subject_policy"},
                                  {"complaint_handling", "subject_complaint_handling"}},
                                 form.Get("subject_type")));
  const unsigned status = !submitted ? 200 : (csrf_ok ? 422 : 403);
  co_return page.Render(status, "form", std::move(d), page.T("form_title"));
}

// --- The status page ----------------------------------------------------------------------------

asio::awaitable<Response> Web::ShowStatus(Request& req, Page& page, std::string action) {
  if (action == "lookup") {
    mu::data d;
    d.set("reference", req.Query("reference"));
    co_return page.Render(200, "status_lookup", std::move(d), page.T("status_title"));
  }
  const Form& form = page.form;
  const std::string reference = form.Get("reference");
  const std::string secret = form.Get("secret");
  auto lookup_error = [&](unsigned status, const std::string& message) {
    mu::data d;
    d.set("reference", reference);
    d.set("error", message);
    return page.Render(status, "status_lookup", std::move(d), page.T("status_title"));
  };
  const bool allowed = co_await api_.StatusAttemptAllowed(reference);
  if (!allowed) {
    co_return lookup_error(429, page.T("rate_limited"));
  }
  std::string notice;
  std::string error;
  if (action != "show") {
    core::Result<core::Complaint> done = MakeError(Errc::kInternal, "unknown action");
    if (action == "survey") {
      auto number = [&](const char* name) {
        const std::string v = form.Get(name);
        return v.size() == 1 && v[0] >= '1' && v[0] <= '5' ? v[0] - '0' : 0;
      };
      done = co_await api_.AnswerSurvey(reference, secret, number("handling"), number("outcome"),
                                        form.Get("comment"));
      if (done) notice = page.T("survey_thanks");
    } else if (action == "survey-opt-out") {
      done = co_await api_.OptOutOfSurvey(reference, secret);
      if (done) notice = page.T("survey_opted_out");
    } else {
      const bool withdraw = action == "withdraw";
      done = co_await api_.ComplainantChange(reference, secret, withdraw,
                                             form.Get(withdraw ? "reason" : "information"));
      if (done) notice = page.T(withdraw ? "notice_withdrawn" : "notice_info_added");
    }
    if (!done) {
      if (done.error().code == Errc::kNotFound) co_return lookup_error(404, page.T("not_found"));
      error = done.error().fields.empty() ? done.error().detail : page.T("msg_invalid");
    }
  }
  auto found = co_await api_.StatusView(reference, secret);
  if (!found) {
    if (found.error().code == Errc::kNotFound) co_return lookup_error(404, page.T("not_found"));
    co_return page.Message(StatusOf(found.error().code), page.T("error_title"),
                           found.error().detail);
  }
  const json& j = *found;
  mu::data d;
  d.set("reference", j.value("reference", ""));
  d.set("secret", secret);
  const std::string state = j.value("state", "");
  d.set("state", state);
  d.set("state_text", page.T("state_" + state));
  d.set("received", DatePart(j["received_at"]));
  d.set("updated", DatePart(j["updated_at"]));
  if (j.contains("clocks") && j["clocks"].is_array()) {
    for (const auto& c : j["clocks"]) {
      if (c.value("name", "") == "final_response" && c.value("state", "") != "met") {
        SetIf(d, "respond_by", DatePart(c["local_due"]));
      }
    }
  }
  if (j.contains("question") && j["question"].is_string()) SetIf(d, "question", j["question"]);
  if (j.contains("decision") && j["decision"].is_object()) {
    const json& dec = j["decision"];
    mu::data dd;
    dd.set("outcome", page.T("outcome_" + dec.value("outcome", "")));
    SetIf(dd, "reasons", dec.value("reasons", ""));
    if (dec.contains("remedy") && dec["remedy"].is_object()) {
      const json& r = dec["remedy"];
      std::string text = r.value("type", "");
      if (r.value("amount_minor", 0) > 0) {
        text += fmt::format(" {}.{:02} {}", r.value("amount_minor", 0) / 100,
                            r.value("amount_minor", 0) % 100, r.value("currency", ""));
      }
      SetIf(dd, "remedy", text);
    }
    d.set("decision", dd);
  }
  mu::data messages{mu::data::type::list};
  const json& list = j["messages"];
  for (const auto& n : list) {
    mu::data m;
    m.set("from", page.T(n.value("from", "") == "you" ? "from_you" : "from_org"));
    m.set("at", DatePart(n["at"]));
    m.set("body", n.value("body", ""));
    messages.push_back(m);
  }
  d.set("has_messages", !list.empty());
  d.set("messages", messages);
  bool can_add = false;
  bool can_withdraw = false;
  for (const auto& a : j.value("actions", json::array())) {
    can_add = can_add || a == "add_information";
    can_withdraw = can_withdraw || a == "withdraw";
  }
  d.set("can_add_information", can_add);
  d.set("can_withdraw", can_withdraw);
  d.set("survey_open", j.value("survey_open", false));
  d.set("survey_answered", j.contains("survey") && j["survey"].is_object());
  d.set("survey_opted_out", j.value("survey_opted_out", false));
  mu::data ratings{mu::data::type::list};
  for (int i = 5; i >= 1; --i) {
    mu::data r;
    r.set("value", std::to_string(i));
    r.set("label", page.T(fmt::format("rating_{}", i)));
    ratings.push_back(r);
  }
  d.set("ratings", ratings);
  SetIf(d, "notice", notice);
  SetIf(d, "error", error);
  co_return page.Render(error.empty() ? 200 : 409, "status", std::move(d),
                        page.T("complaint_heading") + " " + j.value("reference", ""));
}

// --- Staff sign-in and the console --------------------------------------------------------------

asio::awaitable<Response> Web::Login(Request& req, Page& page) {
  mu::data d;
  if (req.method == "POST") {
    const std::string username = page.form.Get("username");
    const std::string password = page.form.Get("password");
    if (!username.empty() && username.size() <= 64 && !password.empty() &&
        password.size() <= 1024) {
      auto signed_in = co_await api_.SignIn(username, password);
      if (signed_in) {
        // Back to where the console was opened (its #/... route), when that is a console route.
        const std::string next = page.form.Get("next");
        const bool safe_next =
            next.size() <= 200 && next.starts_with("#/") &&
            std::all_of(next.begin(), next.end(), [](unsigned char ch) {
              return std::isalnum(ch) ||
                     std::string_view("#/-_.%=&?").find(ch) != std::string_view::npos;
            });
        Response r = Redirect(safe_next ? "/console" + next : "/console");
        page.Finish(r);
        r.headers.emplace_back(
            "Set-Cookie",
            CookieHeader(SessionCookieName(page.secure), signed_in->token, page.secure, true,
                         static_cast<long>(service_.config().session_hours) * 3600));
        co_return r;
      }
      if (signed_in.error().code != Errc::kUnauthenticated) {
        co_return page.Message(StatusOf(signed_in.error().code), page.T("error_title"),
                               signed_in.error().detail);
      }
    }
    d.set("username", username);
    d.set("error", page.T("login_failed"));
    co_return page.Render(401, "login", std::move(d), page.T("login_title"), false);
  }
  co_return page.Render(200, "login", std::move(d), page.T("login_title"), false);
}

asio::awaitable<Response> Web::Logout(Request& req, Page& page) {
  const std::string token = CookieValue(req, SessionCookieName(page.secure));
  if (!token.empty()) co_await api_.SignOut(token);
  Response r = Redirect("/console/login");
  page.Finish(r);
  r.headers.emplace_back("Set-Cookie",
                         CookieHeader(SessionCookieName(page.secure), "", page.secure, true, 0));
  co_return r;
}

asio::awaitable<Response> Web::Console(Request& req, Page& page) {
  auto user = co_await api_.UserOfSession(CookieValue(req, SessionCookieName(page.secure)));
  if (!user) {
    Response r = Redirect("/console/login");
    page.Finish(r);
    co_return r;
  }
  const EmbeddedFile* f = FindEmbedded("dist/console.html");
  if (f == nullptr) {
    co_return page.Message(503, page.T("error_title"), page.T("console_missing"));
  }
  Response r = Response::Text(200, std::string(f->data), "text/html; charset=utf-8");
  page.Finish(r);
  co_return r;
}

}  // namespace redress::http

// Objectives TOML → objectives. toml::parse's exception is caught here, like the other loaders.
#include "config/objectives.hpp"

#include <toml++/toml.h>

#include "config/policy_loader.hpp"
#include "core/analytics.hpp"

namespace redress::config {
namespace {

using core::Errc;

core::Error At(std::string_view source, const toml::source_region& where, const std::string& key,
               const std::string& message, Errc code = Errc::kInvalid) {
  std::string detail(source);
  if (where.begin.line != 0) detail += ":" + std::to_string(where.begin.line);
  detail += ": " + (key.empty() ? message : key + ": " + message);
  std::string pointer = key.empty() ? "" : "/objectives/" + key;
  return core::MakeError(code, std::move(detail), {{std::move(pointer), message}});
}

std::string KnownKeys() {
  std::string out;
  for (const auto& d : core::KpiCatalogue()) {
    if (!out.empty()) out += ", ";
    out += d.key;
  }
  return out;
}

}  // namespace

core::Result<std::vector<Objective>> ParseObjectives(std::string_view toml_text,
                                                     std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return At(source_name, e.source(), "", std::string(e.description()), Errc::kMalformed);
  }
  for (auto&& [k, v] : root) {
    if (k.str() != "objectives")
      return At(source_name, k.source(), std::string(k.str()), "unknown key");
  }
  std::vector<Objective> out;
  const toml::table* table = root["objectives"].as_table();
  if (table == nullptr) {
    if (root.contains("objectives"))
      return At(source_name, root.source(), "objectives", "must be a table");
    return out;
  }
  for (auto&& [k, v] : *table) {
    const std::string key(k.str());
    const core::KpiDef* def = core::FindKpi(key);
    if (def == nullptr) {
      return At(source_name, k.source(), key, "unknown indicator; known: " + KnownKeys());
    }
    std::optional<double> value;
    if (const auto* f = v.as_floating_point()) value = f->get();
    if (const auto* i = v.as_integer()) value = static_cast<double>(i->get());
    const double lo = def->share ? 0.0 : 1.0;
    const double hi = def->share ? 1.0 : 5.0;
    if (!value || !(*value >= lo && *value <= hi)) {
      return At(source_name, v.source(), key,
                def->share ? "must be a share from 0 to 1, e.g. 0.95"
                           : "must be a mean rating from 1 to 5, e.g. 4.0");
    }
    out.push_back({key, *value});
  }
  return out;
}

core::Result<std::vector<Objective>> LoadObjectivesFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) return std::move(text).error();
  return ParseObjectives(*text, path);
}

}  // namespace redress::config

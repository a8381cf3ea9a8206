#include "http/web_assets.hpp"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

namespace redress::http {

const EmbeddedFile* FindEmbedded(std::string_view path) {
  static const auto* index = [] {
    auto* m = new std::map<std::string_view, const EmbeddedFile*>();
    for (const auto& f : EmbeddedFiles()) (*m)[f.path] = &f;
    return m;
  }();
  auto it = index->find(path);
  return it == index->end() ? nullptr : it->second;
}

EntryAssets AssetsOf(std::string_view entry) {
  static const nlohmann::json* manifest = [] {
    const EmbeddedFile* f = FindEmbedded("dist/.vite/manifest.json");
    auto* j = new nlohmann::json(f ? nlohmann::json::parse(f->data, nullptr, false)
                                   : nlohmann::json::object());
    if (!j->is_object()) *j = nlohmann::json::object();
    return j;
  }();
  EntryAssets out;
  auto it = manifest->find(std::string(entry));
  if (it == manifest->end() || !it->is_object()) return out;
  if (auto file = it->find("file"); file != it->end() && file->is_string()) {
    out.script = "/" + file->get<std::string>();
  }
  if (auto css = it->find("css"); css != it->end() && css->is_array()) {
    for (const auto& c : *css) {
      if (c.is_string()) out.styles.push_back("/" + c.get<std::string>());
    }
  }
  return out;
}

}  // namespace redress::http

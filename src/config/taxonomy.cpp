// Taxonomy TOML → Taxonomy. Like the policy loader, toml::parse's exception is caught here.
#include "config/taxonomy.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <optional>
#include <set>

#include "config/policy_loader.hpp"

namespace redress::config {
namespace {

using core::Errc;

core::Error At(std::string_view source, const toml::source_region& where, const std::string& key,
               const std::string& pointer, const std::string& message, Errc code = Errc::kInvalid) {
  std::string detail(source);
  if (where.begin.line != 0) detail += ":" + std::to_string(where.begin.line);
  detail += ": " + (key.empty() ? message : key + ": " + message);
  return core::MakeError(code, std::move(detail), {{pointer, message}});
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.front() == '/' || id.back() == '/') return false;
  if (id.find("//") != std::string_view::npos) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '/';
  });
}

}  // namespace

const Taxonomy::Node* Taxonomy::Find(std::string_view id) const {
  for (const Node& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

bool Taxonomy::Contains(std::string_view id) const { return Find(id) != nullptr; }

std::vector<const Taxonomy::Node*> Taxonomy::ChildrenOf(std::string_view id) const {
  std::vector<const Node*> out;
  for (const Node& n : nodes) {
    if (n.parent == id) out.push_back(&n);
  }
  return out;
}

core::Result<Taxonomy> ParseTaxonomy(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return At(source_name, e.source(), "", "", std::string(e.description()), Errc::kMalformed);
  }
  Taxonomy tax;
  for (auto&& [k, v] : root) {
    if (k.str() != "version" && k.str() != "node") {
      return At(source_name, k.source(), std::string(k.str()), "/" + std::string(k.str()),
                "unknown key");
    }
  }
  if (const toml::node* v = root.get("version")) {
    const auto* s = v->as_string();
    if (s == nullptr)
      return At(source_name, v->source(), "version", "/version", "must be a string");
    tax.version = s->get();
  }
  const toml::node* nodes = root.get("node");
  const toml::array* arr = nodes != nullptr ? nodes->as_array() : nullptr;
  if (arr == nullptr || arr->empty()) {
    return At(source_name, nodes != nullptr ? nodes->source() : root.source(), "node", "/node",
              "must be one or more [[node]] tables");
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string path = "node[" + std::to_string(i) + "]";
    const std::string ptr = "/node/" + std::to_string(i);
    const toml::table* t = arr->get(i)->as_table();
    if (t == nullptr) return At(source_name, arr->get(i)->source(), path, ptr, "must be a table");
    Taxonomy::Node node;
    const std::pair<std::string_view, std::string*> fields[] = {
        {"id", &node.id},
        {"label", &node.label},
        {"parent", &node.parent},
        {"fca_code", &node.fca_code},
        {"asic_code", &node.asic_code},
        {"cfpb_product", &node.cfpb_product},
        {"cfpb_issue", &node.cfpb_issue},
    };
    for (auto&& [k, v] : *t) {
      auto f = std::find_if(std::begin(fields), std::end(fields),
                            [&](const auto& e) { return e.first == k.str(); });
      const std::string key = path + "." + std::string(k.str());
      const std::string kptr = ptr + "/" + std::string(k.str());
      if (f == std::end(fields)) return At(source_name, k.source(), key, kptr, "unknown key");
      const auto* s = v.as_string();
      if (s == nullptr) return At(source_name, v.source(), key, kptr, "must be a string");
      *f->second = s->get();
    }
    if (node.id.empty())
      return At(source_name, t->source(), path + ".id", ptr + "/id", "is required");
    if (node.label.empty()) {
      return At(source_name, t->source(), path + ".label", ptr + "/label", "is required");
    }
    if (!ValidId(node.id)) {
      return At(source_name, t->source(), path + ".id", ptr + "/id",
                "'" + node.id + "' must be slugs of a-z, 0-9, '-', '_' joined by '/'");
    }
    if (!ids.insert(node.id).second) {
      return At(source_name, t->source(), path + ".id", ptr + "/id",
                "'" + node.id + "' is defined twice");
    }
    // A parent must come earlier in the file (so the tree has no cycles) and a child's id
    // extends its parent's, so an id alone shows where a category sits.
    if (!node.parent.empty() && !tax.Contains(node.parent)) {
      return At(source_name, t->source(), path + ".parent", ptr + "/parent",
                "'" + node.parent + "' is not defined above");
    }
    const std::string expected_prefix = node.parent.empty() ? "" : node.parent + "/";
    const bool nested = node.id.find('/') != std::string::npos;
    if ((node.parent.empty() && nested) ||
        (!node.parent.empty() &&
         (node.id.rfind(expected_prefix, 0) != 0 ||
          node.id.find('/', expected_prefix.size()) != std::string::npos))) {
      return At(source_name, t->source(), path + ".id", ptr + "/id",
                "'" + node.id + "' must be the parent's id plus one '/slug'");
    }
    tax.nodes.push_back(std::move(node));
  }
  return tax;
}

core::Result<Taxonomy> LoadTaxonomyFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) return std::move(text).error();
  return ParseTaxonomy(*text, path);
}

}  // namespace redress::config

// The complaint category tree (iso10002.md §3, classification annex), loaded from
// policies/taxonomy.toml. Node ids are paths: a child's id is its parent's id + "/" + a slug
// ("banking/current-account/fees"). Each node may map to the regulators' own codes for returns.
// Contract: no exception escapes; errors name the file, line and key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace redress::config {

struct TaxonomyNode {
  std::string id;            // "banking/current-account/fees"
  std::string label;         // "Charges and fees"
  std::string parent;        // "" for a root
  std::string fca_code;      // FCA complaints return (DISP 1 Annex 1R) product/service group
  std::string asic_code;     // ASIC IDR data reporting product category
  std::string cfpb_product;  // CFPB complaint database "Product"
  std::string cfpb_issue;    // CFPB complaint database "Issue"
};

struct Taxonomy {
  using Node = TaxonomyNode;

  std::string version;  // "2026.1": stored with each assessment so old cases keep their meaning
  std::vector<Node> nodes;

  bool Contains(std::string_view id) const;
  // The node with this id, or nullptr.
  const Node* Find(std::string_view id) const;
  // Direct children of `id` ("" lists the roots), in file order.
  std::vector<const Node*> ChildrenOf(std::string_view id) const;
};

core::Result<Taxonomy> ParseTaxonomy(std::string_view toml_text, std::string_view source_name);
core::Result<Taxonomy> LoadTaxonomyFile(const std::string& path);

}  // namespace redress::config

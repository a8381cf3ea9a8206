#include "core/json_view.hpp"

namespace redress::core {

std::optional<simdjson::dom::element> ParseJson(std::string_view text) {
  // One parser per thread: it keeps its buffers, so a parse allocates nothing once warm.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return root;
}

bool IsJson(std::string_view text) { return ParseJson(text).has_value(); }

}  // namespace redress::core

#include "core/json_view.hpp"

namespace redress::core {

bool IsJson(std::string_view text) {
  // One parser per thread: it keeps its buffers, so a check allocates nothing once warm.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(text.data(), text.size(), true).get(root) == simdjson::SUCCESS;
}

}  // namespace redress::core

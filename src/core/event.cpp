#include "core/event.hpp"

#include <string>

namespace redress::core {

// Fixed field order, joined with '\n'. Changing it breaks verification of every stored chain.
std::string CanonicalEventBytes(const Event& e) {
  std::string out;
  out.reserve(64 + e.reference.size() + e.actor.size() + e.action.size() + e.payload_digest.size());
  out += std::to_string(e.seq);
  out += '\n';
  out += std::to_string(e.complaint_id);
  out += '\n';
  out += e.reference;
  out += '\n';
  out += std::to_string(ToMillis(e.at));
  out += '\n';
  out += e.actor;
  out += '\n';
  out += e.action;
  out += '\n';
  out += e.payload_digest;
  return out;
}

std::string PayloadBytes(const Event& e) {
  std::string out;
  out.reserve(e.before.size() + 1 + e.after.size());
  out += e.before;
  out += '\n';
  out += e.after;
  return out;
}

}  // namespace redress::core

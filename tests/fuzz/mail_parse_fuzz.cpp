// libFuzzer target for the mail intake's parsing path (mail/parse.hpp): any bytes must give
// a parsed message or an error, never a crash, a hang or a leak, and every text out must be
// valid UTF-8. Built with clang by scripts/fuzz.sh (tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mail/parse.hpp"

namespace {

void CheckUtf8(const std::string& s) {
  if (redress::mail::ValidUtf8(s) != s) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  redress::mail::ParseLimits limits;
  limits.max_bytes = 1 << 20;
  auto parsed = redress::mail::ParseMessage(input, limits);
  if (parsed) {
    CheckUtf8(parsed->from_address);
    CheckUtf8(parsed->from_name);
    CheckUtf8(parsed->subject);
    CheckUtf8(parsed->message_id);
    CheckUtf8(parsed->text);
    for (const auto& a : parsed->attachments) CheckUtf8(a.filename);
    if (parsed->text.size() > limits.max_text_bytes) __builtin_trap();
  }
  CheckUtf8(redress::mail::HtmlToText(input));
  return 0;
}

// Text checks shared by the mail templates and the PostgreSQL store.
#pragma once

#include <string_view>

namespace redress::util {

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF) without a NUL byte: text that PostgreSQL and the templates accept as is.
bool IsUtf8Text(std::string_view s);

}  // namespace redress::util

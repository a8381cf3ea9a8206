// The web files compiled into the binary (scripts/embed_web.py): the Vite build under
// "dist/", page templates under "templates/", message files under "i18n/".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace redress::http {

struct EmbeddedFile {
  std::string_view path;  // relative to web/, e.g. "dist/assets/console-1a2b.js"
  std::string_view data;
  std::string_view content_type;
};

// Every embedded file (the generated source defines it).
std::span<const EmbeddedFile> EmbeddedFiles();

// The file at `path`, or nullptr.
const EmbeddedFile* FindEmbedded(std::string_view path);

// An entry of the Vite build as pages link it: its script URL and stylesheet URLs (from
// dist/.vite/manifest.json). Empty when the build is absent.
struct EntryAssets {
  std::string script;
  std::vector<std::string> styles;
};
EntryAssets AssetsOf(std::string_view entry);  // entry: "src/portal.js", "console.html"

}  // namespace redress::http

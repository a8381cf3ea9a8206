// Attachment files: what types are accepted (checked against the file's first bytes), and
// where they live: DATA/attachments/<first two hex digits>/<sha256>, content-addressed, each
// written durably (temp file, fsync, rename, fsync of the directory) before the record that
// names it commits.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/user.hpp"

namespace redress::http {

// PDF, PNG, JPEG, GIF, DOCX or plain text, with content that matches the type.
bool ContentMatches(const std::string& type, std::string_view data);

std::filesystem::path AttachmentPath(const std::string& data_dir, const std::string& sha256);

// Sets meta.sha256 and writes the file if it is not there yet.
core::Status StoreAttachmentFile(const std::string& data_dir, std::string_view data,
                                 core::Attachment& meta);

}  // namespace redress::http

#include "http/attachment_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "util/crypto.hpp"

namespace redress::http {

using core::Errc;
using core::MakeError;

// Attachments: what we accept, checked against the first bytes of the file.
bool ContentMatches(const std::string& type, std::string_view data) {
  auto starts = [&](std::string_view magic) { return data.substr(0, magic.size()) == magic; };
  if (type == "application/pdf") return starts("%PDF-");
  if (type == "image/png") return starts("\x89PNG\r\n\x1a\n");
  if (type == "image/jpeg") return starts("\xff\xd8\xff");
  if (type == "image/gif") return starts("GIF87a") || starts("GIF89a");
  if (type == "text/plain") return data.find('\0') == std::string_view::npos;
  if (type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document") {
    return starts("PK\x03\x04");
  }
  return false;
}

namespace {

core::Status WriteFileDurably(const std::filesystem::path& path, std::string_view data) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return MakeError(Errc::kInternal, "cannot create the attachment directory");
  if (std::filesystem::exists(path)) return {};  // content-addressed: same bytes already there
  const auto tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(Errc::kInternal, "cannot write the attachment");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      return MakeError(Errc::kInternal, "cannot write the attachment");
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return MakeError(Errc::kInternal, "cannot sync the attachment");
  }
  ::close(fd);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return MakeError(Errc::kInternal, "cannot store the attachment");
  int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace

std::filesystem::path AttachmentPath(const std::string& data_dir, const std::string& sha256) {
  return std::filesystem::path(data_dir) / "attachments" / sha256.substr(0, 2) / sha256;
}

core::Status StoreAttachmentFile(const std::string& data_dir, std::string_view data,
                                 core::Attachment& meta) {
  meta.sha256 = util::Sha256Hex(data);
  return WriteFileDurably(AttachmentPath(data_dir, meta.sha256), data);
}

}  // namespace redress::http

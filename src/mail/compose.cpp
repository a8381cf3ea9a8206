#include "mail/compose.hpp"

#include <mutex>
#include <vmime/platforms/posix/posixHandler.hpp>
#include <vmime/vmime.hpp>

namespace redress::mail {
namespace {

vmime::messageIdSequence Ids(const std::vector<std::string>& ids) {
  vmime::messageIdSequence seq;
  for (const auto& id : ids) seq.appendMessageId(vmime::make_shared<vmime::messageId>(id));
  return seq;
}

}  // namespace

void InitVmime() {
  static std::once_flag once;
  std::call_once(once,
                 [] { vmime::platform::setHandler<vmime::platforms::posix::posixHandler>(); });
}

core::Result<std::string> ComposeMessage(const OutgoingMail& m) {
  InitVmime();
  try {
    const vmime::charset utf8(vmime::charsets::UTF_8);
    vmime::messageBuilder mb;
    mb.setExpeditor(
        vmime::mailbox(vmime::text(m.from_name, utf8), vmime::emailAddress(m.from_address)));
    vmime::addressList to;
    to.appendAddress(vmime::make_shared<vmime::mailbox>(vmime::text(m.to_name, utf8),
                                                        vmime::emailAddress(m.to_address)));
    mb.setRecipients(to);
    mb.setSubject(vmime::text(m.subject, utf8));
    mb.constructTextPart(vmime::mediaType(vmime::mediaTypes::TEXT, vmime::mediaTypes::TEXT_HTML));
    auto part = vmime::dynamicCast<vmime::htmlTextPart>(mb.getTextPart());
    part->setCharset(utf8);
    part->setText(vmime::make_shared<vmime::stringContentHandler>(m.html));
    part->setPlainText(vmime::make_shared<vmime::stringContentHandler>(m.text));
    auto msg = mb.construct();
    auto header = msg->getHeader();
    header->MessageId()->setValue(vmime::messageId(m.message_id));
    if (!m.in_reply_to.empty()) header->InReplyTo()->setValue(Ids({m.in_reply_to}));
    if (!m.references.empty()) header->References()->setValue(Ids(m.references));
    header->Date()->setValue(vmime::datetime(static_cast<time_t>(m.date_unix_seconds)));
    auto factory = vmime::headerFieldFactory::getInstance();
    for (const auto& [name, value] : m.extra_headers) {
      header->appendField(factory->create(name, value));
    }
    return msg->generate();
  } catch (const std::exception& e) {
    return core::MakeError(core::Errc::kInvalid,
                           std::string("cannot compose the message: ") + e.what());
  }
}

}  // namespace redress::mail

#include "core/notification.hpp"

#include "core/enum_names.hpp"

namespace redress::core {
namespace {
constexpr EnumNames<DeliveryState, 4> kStates{{
    {DeliveryState::kPending, "pending"},
    {DeliveryState::kSent, "sent"},
    {DeliveryState::kFailed, "failed"},
    {DeliveryState::kCancelled, "cancelled"},
}};
}  // namespace

const char* ToString(DeliveryState s) { return NameOf(kStates, s); }
std::optional<DeliveryState> ParseDeliveryState(std::string_view s) { return ValueOf(kStates, s); }

}  // namespace redress::core

#include "core/user.hpp"

#include "core/enum_names.hpp"

namespace redress::core {
namespace {
constexpr EnumNames<Role, 5> kRoles{{
    {Role::kHandler, "handler"},
    {Role::kInvestigator, "investigator"},
    {Role::kManager, "manager"},
    {Role::kAuditor, "auditor"},
    {Role::kAdmin, "admin"},
}};
}  // namespace

const char* ToString(Role r) { return NameOf(kRoles, r); }
std::optional<Role> ParseRole(std::string_view s) { return ValueOf(kRoles, s); }

}  // namespace redress::core

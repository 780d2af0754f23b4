#include "services/gateway/api/registry_units.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tinhgon::gateway {

absl::Status RegistryUnits::CheckUnit(const CallInfo& caller, int64_t id,
                                      const std::string& field) {
  orgpb::GetOrgUnitRequest req;
  req.set_id(id);
  auto unit = client_->GetOrgUnit(caller, req);
  if (unit.ok()) return absl::OkStatus();
  if (unit.status().code() == absl::StatusCode::kNotFound ||
      unit.status().code() == absl::StatusCode::kInvalidArgument) {
    return NotFound("ORG_UNIT_NOT_FOUND", field,
                    absl::StrCat("the org registry has no unit ", id),
                    absl::StrCat("Không có đơn vị ", id, " trong danh mục đơn vị"));
  }
  return unit.status();
}

}  // namespace tinhgon::gateway

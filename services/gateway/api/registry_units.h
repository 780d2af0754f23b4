// UnitDirectory on the org registry, through common's client.
#pragma once

#include <memory>

#include "common/clients/org_registry_client.h"
#include "services/gateway/tokens.h"

namespace tinhgon::gateway {

class RegistryUnits final : public UnitDirectory {
 public:
  explicit RegistryUnits(std::unique_ptr<OrgRegistryClient> client) : client_(std::move(client)) {}
  absl::Status CheckUnit(const CallInfo& caller, int64_t id, const std::string& field) override;

 private:
  std::unique_ptr<OrgRegistryClient> client_;
};

}  // namespace tinhgon::gateway

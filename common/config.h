// Configuration: every flag has a default, overridable by an environment variable, overridable
// by the command line. Flags are declared with ABSL_FLAG(..., EnvOr("TINHGON_X", default), ...).
#pragma once

#include <string>

namespace tinhgon {

std::string EnvOr(const char* name, const std::string& fallback);
int EnvOrInt(const char* name, int fallback);

}  // namespace tinhgon

// Helpers every gRPC adapter needs: dates, page tokens, request fingerprints.
#pragma once

#include <optional>
#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "common/date.h"
#include "google/type/date.pb.h"

namespace tinhgon {

// An unset google.type.Date (all zero) is nullopt; a partial or impossible one is an error
// naming `field`.
absl::StatusOr<std::optional<Date>> FromProto(const google::type::Date& d, const std::string& field);
google::type::Date ToProto(Date d);

// Opaque page tokens that carry an offset; `field` names the token in errors.
std::string EncodePageToken(int offset);
absl::StatusOr<int> DecodePageToken(const std::string& token, const std::string& field);
// A page size in [1, max], `fallback` when 0; negative is an error.
absl::StatusOr<int> PageSize(int requested, int fallback, int max, const std::string& field);

// Deterministic serialization: the bytes a signature binds (the gateway forwards exactly these,
// so a backend's re-serialization of what it parsed is the same).
std::string CanonicalBytes(const google::protobuf::Message& m);

// A stable hash of a request (deterministic serialization), to tell a retry of a request from a
// different request that reuses its request_id.
std::string Fingerprint(const google::protobuf::Message& m);

}  // namespace tinhgon

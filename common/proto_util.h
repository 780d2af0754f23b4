// Helpers every gRPC adapter needs: dates, page tokens, request fingerprints.
#pragma once

#include <optional>
#include <string>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/date.h"
#include "common/legal_basis.h"
#include "google/type/date.pb.h"
#include "tinhgon/common/v1/common.pb.h"

namespace tinhgon {

// An unset google.type.Date (all zero) is nullopt; a partial or impossible one is an error
// naming `field`.
absl::StatusOr<std::optional<Date>> FromProto(const google::type::Date& d, const std::string& field);
google::type::Date ToProto(Date d);

// A google.protobuf.Timestamp: unset (all zero) is nullopt; negative seconds, nanos outside
// [0, 1e9) or a year past 9999 are errors naming `field`.
absl::StatusOr<std::optional<absl::Time>> TimeFromProto(const google::protobuf::Timestamp& t,
                                                        const std::string& field);
void TimeToProto(absl::Time t, google::protobuf::Timestamp* out);

// tinhgon.common.v1.LegalBasis both ways; a bad act_date is an error naming
// `field` + ".act_date". (The text is checked by ValidateLegalBasis.)
absl::StatusOr<LegalBasis> LegalBasisFromProto(const tinhgon::common::v1::LegalBasis& p,
                                               const std::string& field);
void LegalBasisToProto(const LegalBasis& lb, tinhgon::common::v1::LegalBasis* p);

// tinhgon.common.v1.Period both ways: unset (no kind) is nullopt; a year outside 1900..2200, a
// quarter or month out of range, or an impossible day is an error naming `field`. The output
// fills first_day and last_day.
absl::StatusOr<std::optional<Period>> PeriodFromProto(const tinhgon::common::v1::Period& p,
                                                      const std::string& field);
void PeriodToProto(const Period& period, tinhgon::common::v1::Period* p);

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

// Leadership posts (cấp trưởng, cấp phó): one seat of a unit from a day to another, and the
// rules a seat must pass before it is written. Field names follow tinhgon.staffing.v1
// LeadershipPost so that errors name the request's fields. Free of gRPC and SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/date.h"
#include "common/legal_basis.h"

namespace tinhgon::staffing {

// tinhgon.staffing.v1.PostLevel.
enum class PostLevel { kUnspecified = 0, kHead = 1, kDeputy = 2 };
bool IsValidPostLevel(int l);            // HEAD or DEPUTY
const char* PostLevelName(PostLevel l);  // "DEPUTY"

inline constexpr size_t kMaxTitleBytes = 300;
inline constexpr size_t kMaxHolderNameBytes = 200;
inline constexpr size_t kMaxRefBytes = 64;

// The seat: a unit, a level, the first day. Never changes once written.
struct PostKey {
  int64_t unit_id = 0;
  PostLevel level = PostLevel::kUnspecified;
  Date valid_from;
};

// What a version of the seat says.
struct PostFigure {
  std::string title;
  std::string holder_ref;        // opaque (mã cán bộ); "" = not referenced
  std::string holder_name;       // optional
  bool vacant = false;           // the seat is empty: not counted
  bool concurrent = false;       // kiêm nhiệm
  int64_t primary_unit_id = 0;   // a concurrent holder's main unit; 0 = not given
  std::optional<Date> valid_to;  // the first day not held
  std::optional<LegalBasis> appointment;
  std::optional<LegalBasis> termination;
};

// An opaque reference to a person in the province's personnel records (holder_ref,
// person_refs): 1 to 64 ASCII letters, digits and . _ - : / — codes, never names.
absl::Status ValidateOpaqueRef(const std::string& ref, const std::string& field);

// Errors name the field under `prefix` ("post.level").
absl::Status ValidatePostKey(const PostKey& k, const std::string& prefix);
absl::Status ValidatePostFigure(const PostKey& k, const PostFigure& f, const std::string& prefix);

// Whether the seat is held on `d` (valid_from <= d < valid_to).
inline bool PostHeldOn(const PostKey& k, const PostFigure& f, Date d) {
  return k.valid_from <= d && (!f.valid_to || d < *f.valid_to);
}

}  // namespace tinhgon::staffing

#include "common/proto_util.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/migrate.h"
#include "common/status.h"

namespace tinhgon {

absl::StatusOr<std::optional<Date>> FromProto(const google::type::Date& d,
                                              const std::string& field) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return std::optional<Date>();
  auto out = Date::FromYmd(d.year(), d.month(), d.day(), field);
  if (!out.ok()) return out.status();
  return std::optional<Date>(*out);
}

google::type::Date ToProto(Date d) {
  google::type::Date out;
  out.set_year(d.year());
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

absl::StatusOr<std::optional<Period>> PeriodFromProto(const tinhgon::common::v1::Period& p,
                                                      const std::string& field) {
  using P = tinhgon::common::v1::Period;
  absl::StatusOr<Period> out = absl::InvalidArgumentError("unset");
  auto year_ok = [](int y) { return y >= 1900 && y <= 2200; };
  switch (p.kind_case()) {
    case P::KIND_NOT_SET:
      return std::optional<Period>();
    case P::kYear:
      if (!year_ok(p.year())) break;
      out = Period::Year(p.year());
      break;
    case P::kQuarter:
      if (!year_ok(p.quarter().year())) break;
      out = Period::Quarter(p.quarter().year(), p.quarter().quarter());
      break;
    case P::kMonth:
      if (!year_ok(p.month().year())) break;
      out = Period::Month(p.month().year(), p.month().month());
      break;
    case P::kDate: {
      TG_ASSIGN_OR_RETURN(std::optional<Date> d, FromProto(p.date(), field + ".date"));
      if (!d || !year_ok(d->year())) break;
      out = Period::Day(*d);
      break;
    }
  }
  if (!out.ok()) {
    return InvalidField(field,
                        "is not a period: a year 1900-2200, a quarter 1-4, a month 1-12 or a day",
                        "Thời gian không hợp lệ");
  }
  return std::optional<Period>(*out);
}

void PeriodToProto(const Period& period, tinhgon::common::v1::Period* p) {
  switch (period.kind) {
    case Period::Kind::kYear: p->set_year(period.year); break;
    case Period::Kind::kQuarter:
      p->mutable_quarter()->set_year(period.year);
      p->mutable_quarter()->set_quarter(period.index);
      break;
    case Period::Kind::kMonth:
      p->mutable_month()->set_year(period.year);
      p->mutable_month()->set_month(period.index);
      break;
    case Period::Kind::kDay: *p->mutable_date() = ToProto(period.day); break;
  }
  *p->mutable_first_day() = ToProto(period.FirstDay());
  *p->mutable_last_day() = ToProto(period.LastDay());
}

std::string EncodePageToken(int offset) {
  return absl::WebSafeBase64Escape(absl::StrCat("o:", offset));
}

absl::StatusOr<int> DecodePageToken(const std::string& token, const std::string& field) {
  if (token.empty()) return 0;
  std::string raw;
  int offset = 0;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.rfind("o:", 0) != 0 ||
      !absl::SimpleAtoi(raw.substr(2), &offset) || offset < 0) {
    return InvalidField(field, "is not a token this service issued",
                        "Mã trang không hợp lệ");
  }
  return offset;
}

absl::StatusOr<int> PageSize(int requested, int fallback, int max, const std::string& field) {
  if (requested < 0) return InvalidField(field, "must not be negative", "Không được âm");
  if (requested == 0) return fallback;
  return requested > max ? max : requested;
}

std::string CanonicalBytes(const google::protobuf::Message& m) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    m.SerializePartialToCodedStream(&coded);
  }
  return bytes;
}

std::string Fingerprint(const google::protobuf::Message& m) {
  return MigrationChecksum(CanonicalBytes(m));
}

absl::StatusOr<LegalBasis> LegalBasisFromProto(const tinhgon::common::v1::LegalBasis& p,
                                               const std::string& field) {
  LegalBasis lb;
  lb.act_number = p.act_number();
  lb.issuer = p.issuer();
  lb.title = p.title();
  absl::StatusOr<std::optional<Date>> d = FromProto(p.act_date(), field + ".act_date");
  if (!d.ok()) return d.status();
  lb.act_date = *d;
  return lb;
}

void LegalBasisToProto(const LegalBasis& lb, tinhgon::common::v1::LegalBasis* p) {
  p->set_act_number(lb.act_number);
  if (lb.act_date) *p->mutable_act_date() = ToProto(*lb.act_date);
  p->set_issuer(lb.issuer);
  p->set_title(lb.title);
}

absl::StatusOr<std::optional<absl::Time>> TimeFromProto(const google::protobuf::Timestamp& t,
                                                        const std::string& field) {
  if (t.seconds() == 0 && t.nanos() == 0) return std::optional<absl::Time>();
  constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
  if (t.seconds() < 0 || t.seconds() >= kYear10000 || t.nanos() < 0 || t.nanos() >= 1000000000) {
    return InvalidField(field, "is not a time from 1970 to 9999",
                        "Thời điểm không hợp lệ");
  }
  return std::optional<absl::Time>(absl::FromUnixSeconds(t.seconds()) +
                                   absl::Nanoseconds(t.nanos()));
}

void TimeToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

}  // namespace tinhgon

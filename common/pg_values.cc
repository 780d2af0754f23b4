#include "common/pg_values.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tinhgon {

Date ParseDate(const pqxx::field& f) {
  const char* s = f.c_str();
  if (f.is_null() || f.size() != 10) return Date();
  auto num = [&](int from, int len) {
    int v = 0;
    for (int i = from; i < from + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  return Date::Unchecked(num(0, 4), num(5, 2), num(8, 2));
}

std::optional<Date> ParseOptDate(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return ParseDate(f);
}

std::optional<std::string> DateParam(const std::optional<Date>& d) {
  if (!d) return std::nullopt;
  return d->ToString();
}

std::string TimeParam(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "infinity";
  if (t == absl::InfinitePast()) return "-infinity";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

absl::Time ParseMicros(const pqxx::field& f) {
  if (f.is_null()) return absl::InfinitePast();
  return absl::FromUnixMicros(f.as<int64_t>());
}

std::string IntArrayParam(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i ? "," : "", values[i]);
  out += "}";
  return out;
}

std::string TextArrayParam(const std::vector<std::optional<std::string>>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char ch : *values[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += "}";
  return out;
}

std::vector<int64_t> ParseIntArray(const pqxx::field& f) {
  std::vector<int64_t> out;
  if (f.is_null()) return out;
  std::string s = f.as<std::string>();
  if (s.size() < 2) return out;
  for (absl::string_view p : absl::StrSplit(s.substr(1, s.size() - 2), ',', absl::SkipEmpty())) {
    int64_t v = 0;
    if (absl::SimpleAtoi(p, &v)) out.push_back(v);
  }
  return out;
}

LegalBasis ActFrom(const pqxx::row& r, const ActColumns& c) {
  LegalBasis b;
  b.act_number = r[c.number].as<std::string>();
  b.act_date = ParseOptDate(r[c.date]);
  b.issuer = r[c.issuer].as<std::string>();
  b.title = r[c.title].as<std::string>();
  return b;
}

}  // namespace tinhgon

// The org registry's request decoding, for every method: the first byte picks a method of
// tinhgon.orgregistry.v1.OrgRegistry, the rest is its request as a client would send it. What
// the gateway and the registry do with such bytes must hold for any of them:
//  - a request either does not parse, or its canonical bytes (what the gateway forwards and
//    signs) parse back to the same canonical bytes, fingerprint and body hash (the signature a
//    backend checks is the one the gateway made);
//  - the shared field decoders (dates as google.type.Date, page tokens, page sizes) answer
//    OK or INVALID_ARGUMENT naming the field, never anything else.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/call.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "tests/fuzz/fuzz_util.h"
#include "tinhgon/orgregistry/v1/org_registry.pb.h"

namespace gp = google::protobuf;
using tinhgon::fuzz::Q;

namespace {

void CheckFieldDecoders(const gp::Message& m) {
  const gp::Reflection* r = m.GetReflection();
  const gp::Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const gp::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    if (f->message_type() != nullptr && f->message_type()->full_name() == "google.type.Date") {
      const auto& date = static_cast<const google::type::Date&>(r->GetMessage(m, f));
      auto v = tinhgon::FromProto(date, f->name());
      FUZZ_CHECK(v.ok() || (v.status().code() == absl::StatusCode::kInvalidArgument &&
                            tinhgon::ErrorField(v.status()) == f->name()),
                 absl::StrCat(f->name(), ": ", v.status().ToString()));
    } else if (f->name() == "page_token") {
      auto v = tinhgon::DecodePageToken(r->GetString(m, f), "page_token");
      FUZZ_CHECK(v.ok() ? *v >= 0 : v.status().code() == absl::StatusCode::kInvalidArgument,
                 v.status().ToString());
    } else if (f->name() == "page_size") {
      auto v = tinhgon::PageSize(r->GetInt32(m, f), 100, 1000, "page_size");
      FUZZ_CHECK(v.ok() ? (*v >= 1 && *v <= 1000)
                        : v.status().code() == absl::StatusCode::kInvalidArgument,
                 v.status().ToString());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const gp::ServiceDescriptor* service =
      tinhgon::orgregistry::v1::GetOrgUnitRequest::descriptor()->file()->FindServiceByName(
          "OrgRegistry");
  const gp::MethodDescriptor* method = service->method(data[0] % service->method_count());
  const gp::Message* prototype =
      gp::MessageFactory::generated_factory()->GetPrototype(method->input_type());
  std::unique_ptr<gp::Message> m(prototype->New());
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!m->ParseFromString(bytes)) return 0;
  const std::string canonical = tinhgon::CanonicalBytes(*m);
  std::unique_ptr<gp::Message> again(prototype->New());
  FUZZ_CHECK(again->ParseFromString(canonical), Q(canonical));
  FUZZ_CHECK(tinhgon::CanonicalBytes(*again) == canonical, method->full_name() + " " + Q(bytes));
  FUZZ_CHECK(tinhgon::Fingerprint(*again) == tinhgon::Fingerprint(*m), method->full_name());
  FUZZ_CHECK(tinhgon::BodyHash(*again) == tinhgon::Sha256Hex(canonical), method->full_name());
  CheckFieldDecoders(*m);
  return 0;
}

#include "tools/tool_caller.h"

#include <chrono>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config.h"
#include "common/grpc_status.h"
#include "common/principal.h"
#include "common/request_id.h"
#include "common/status.h"

namespace tinhgon {

ToolCallerOptions ToolCallerFromEnv(std::string subject, std::string token) {
  ToolCallerOptions o;
  o.subject = std::move(subject);
  o.token = std::move(token);
  o.trust_secret = EnvOr("TINHGON_TRUST_SECRET", "");
  return o;
}

ToolEndpoint::ToolEndpoint(const ToolCallerOptions& options, std::string name, std::string target)
    : options_(options), name_(std::move(name)), target_(std::move(target)) {
  ClientOptions o;
  o.backend_name = name_;
  o.target = target_;
  // With a token the gateway vouches for the caller: nothing is signed.
  o.trust_secret = options_.token.empty() ? options_.trust_secret : "";
  o.self = Principal{options_.subject, 0, options_.roles, {}, ""};
  o.timeout = options_.timeout;
  o.read_attempts = std::max(1, options_.attempts);
  o.initial_backoff = absl::Milliseconds(200);
  o.max_backoff = absl::Seconds(2);
  core_ = std::make_unique<ClientCore>(std::move(o));
}

CallInfo ToolEndpoint::NewCall() const {
  CallInfo c;
  c.request_id = NewRequestId();
  // Room for the retries of every attempt; each attempt has options_.timeout at most.
  c.deadline = absl::Now() + options_.timeout * std::max(1, options_.attempts) + absl::Seconds(5);
  c.principal.subject = options_.subject;
  return c;
}

void ToolEndpoint::Authorize(grpc::ClientContext& ctx) const {
  if (!options_.token.empty()) ctx.AddMetadata("authorization", "Bearer " + options_.token);
}

absl::Status ToolEndpoint::Outcome(const grpc::Status& raw, const std::string& method) const {
  if (raw.ok()) return absl::OkStatus();
  std::string where = absl::StrCat(name_, " (", target_, ") ", method, ": ");
  if (raw.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    absl::StrAppend(&where, options_.token.empty()
                                ? "the principal was refused (is TINHGON_TRUST_SECRET the "
                                  "service's? through the gateway, give --token): "
                                : "the token was refused: ");
  }
  return PrefixMessage(FromGrpcStatus(raw), where);
}

absl::Status ToolEndpoint::CallClientStream(
    const std::string& method, const std::string& stream_body_hash,
    const std::function<grpc::Status(grpc::ClientContext&)>& invoke) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  const std::string rid = NewRequestId();
  if (!options_.token.empty()) {
    ctx.AddMetadata(kRequestIdHeader, rid);
    Authorize(ctx);
  } else if (!options_.trust_secret.empty()) {
    const Principal p{options_.subject, 0, options_.roles, {}, ""};
    SignOutgoingStream(ctx, options_.trust_secret, p,
                       SignedCall{rid, method, stream_body_hash, absl::Now()});
  } else {
    ctx.AddMetadata(kRequestIdHeader, rid);
  }
  return Outcome(invoke(ctx), method);
}

ToolEndpoint& ToolCaller::At(const std::string& name, const std::string& target) {
  std::unique_ptr<ToolEndpoint>& e = endpoints_[target];
  if (e == nullptr) e = std::make_unique<ToolEndpoint>(options_, name, target);
  return *e;
}

std::string ToolCaller::Credentials() const {
  if (with_token()) return "bearer token";
  if (signing()) return "principal signed with TINHGON_TRUST_SECRET";
  return "no credentials (a service in local mode)";
}

absl::Status PrefixMessage(const absl::Status& s, const std::string& prefix) {
  if (s.ok()) return s;
  absl::Status out(s.code(), absl::StrCat(prefix, s.message()));
  s.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

std::string DescribeStatus(const absl::Status& s) {
  if (s.ok()) return "OK";
  std::string out = absl::StrCat(absl::StatusCodeToString(s.code()), ": ", s.message());
  std::vector<std::string> details;
  if (const std::string f = ErrorField(s); !f.empty()) details.push_back("field " + f);
  if (const std::string r = ErrorReason(s); !r.empty()) details.push_back("reason " + r);
  if (const auto q = ErrorQuota(s); !q.first.empty()) {
    details.push_back(absl::StrCat("quota ", q.first, ": ", q.second));
  }
  if (!details.empty()) absl::StrAppend(&out, " [", absl::StrJoin(details, ", "), "]");
  if (const std::string vi = ErrorMessageVi(s); !vi.empty()) absl::StrAppend(&out, " (", vi, ")");
  return out;
}

}  // namespace tinhgon

// How a command-line tool calls Tinh Gọn, written once for every tool: either through the
// gateway with a bearer token (--token, env TINHGON_TOKEN), or straight to a service, signing a
// principal (the tool's subject, role admin) with the trust secret (env TINHGON_TRUST_SECRET) as
// the gateway would — what deploy/local/up does before the gateway runs. With neither, calls
// carry only a request id (a service in local mode trusts every loopback caller).
//
// Each target (host:port) gets one ToolEndpoint, with its channel, made once:
//
//   tinhgon::ToolCaller caller(tinhgon::ToolCallerFromEnv("report-job",
//   absl::GetFlag(FLAGS_token))); tinhgon::ToolEndpoint& reporting = caller.At("reporting",
//   absl::GetFlag(FLAGS_target)); auto stub = Reporting::NewStub(reporting.channel()); absl::Status
//   s = reporting.Call("/tinhgon.reporting.v1.Reporting/GetReportRegime", req,
//       [&](grpc::ClientContext& ctx) { return stub->GetReportRegime(&ctx, req, &resp); },
//       /*retry=*/true);
//
// The unary and server-streaming calls go through tinhgon::ClientCore (common/clients/client.h):
// a deadline on every attempt, the signature bound to the method and the request's body, and,
// with `retry`, new attempts while the target is UNAVAILABLE (give it for reads, and for writes
// that carry a request_id, whose retry returns the first answer). Errors keep the code and the
// google.rpc details the server sent (tinhgon::ErrorField/ErrorReason read them) and their
// message names the target and the method, e.g. "reporting (127.0.0.1:50064)
// /tinhgon.reporting.v1.Reporting/GetReportRegime: failed to connect to all addresses".
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/call.h"
#include "common/clients/client.h"

namespace tinhgon {

struct ToolCallerOptions {
  std::string subject;  // the tool, e.g. "report-job": the signed principal's subject
  std::vector<std::string> roles = {"admin"};  // of the signed principal
  std::string token;         // bearer token for the gateway; empty = sign (or local mode)
  std::string trust_secret;  // signs the principal when there is no token
  absl::Duration timeout = absl::Minutes(2);  // per attempt
  int attempts = 3;                           // of a call made with `retry`
};

// The options of a tool called `subject`: `token` (the flag, which defaults to env
// TINHGON_TOKEN) and the trust secret of env TINHGON_TRUST_SECRET.
ToolCallerOptions ToolCallerFromEnv(std::string subject, std::string token);

// One target (the gateway or a service) and how calls to it are made.
class ToolEndpoint {
 public:
  ToolEndpoint(const ToolCallerOptions& options, std::string name, std::string target);
  ToolEndpoint(const ToolEndpoint&) = delete;
  ToolEndpoint& operator=(const ToolEndpoint&) = delete;

  const std::string& name() const { return name_; }
  const std::string& target() const { return target_; }
  std::shared_ptr<grpc::Channel> channel() const { return core_->channel(); }

  // One unary or server-streaming call: `invoke(ctx)` makes it on a stub of channel() (a
  // server-streaming one reads the stream to its end and returns Finish()'s status); it may
  // run again when `retry`, so it must start afresh each time. `method` is the full name
  // ("/pkg.Service/Method"), `request` what is sent (the signature binds its body).
  template <typename Req, typename Fn>
  absl::Status Call(const std::string& method, const Req& request, Fn invoke, bool retry = false) {
    grpc::Status raw;
    // ClientCore's own mapping of the last attempt's status is not used: Outcome keeps the
    // server's details and names this endpoint (and tells a refused token from a refused
    // signature).
    core_
        ->Call(NewCall(), method.c_str(), request, retry,
               [&](grpc::ClientContext& ctx) {
                 Authorize(ctx);
                 raw = invoke(ctx);
                 return raw;
               })
        .IgnoreError();
    return Outcome(raw, method);
  }

  // One client-streaming call (e.g. ImportOrgUnits): the signature binds `stream_body_hash`,
  // StreamBodyHash (common/call.h) of the messages `invoke` will write. Never retried.
  absl::Status CallClientStream(const std::string& method, const std::string& stream_body_hash,
                                const std::function<grpc::Status(grpc::ClientContext&)>& invoke);

 private:
  CallInfo NewCall() const;
  void Authorize(grpc::ClientContext& ctx) const;  // the bearer token, when there is one
  absl::Status Outcome(const grpc::Status& raw, const std::string& method) const;

  const ToolCallerOptions& options_;
  std::string name_, target_;
  std::unique_ptr<ClientCore> core_;
};

class ToolCaller {
 public:
  explicit ToolCaller(ToolCallerOptions options) : options_(std::move(options)) {}
  ToolCaller(const ToolCaller&) = delete;
  ToolCaller& operator=(const ToolCaller&) = delete;

  // The endpoint at `target` (host:port), made on first use; `name` names it in errors
  // ("reporting", "gateway"). Several names may share a target (all through the gateway): the
  // first name given for it is kept.
  ToolEndpoint& At(const std::string& name, const std::string& target);
  // Its channel.
  std::shared_ptr<grpc::Channel> Channel(const std::string& name, const std::string& target) {
    return At(name, target).channel();
  }

  const ToolCallerOptions& options() const { return options_; }
  bool with_token() const { return !options_.token.empty(); }
  bool signing() const { return options_.token.empty() && !options_.trust_secret.empty(); }
  // "bearer token", "principal signed with TINHGON_TRUST_SECRET" or "no credentials".
  std::string Credentials() const;

 private:
  ToolCallerOptions options_;
  std::map<std::string, std::unique_ptr<ToolEndpoint>> endpoints_;  // by target
};

// `s` with "`prefix`" before its message, keeping its code and payloads (field, reason, ...).
absl::Status PrefixMessage(const absl::Status& s, const std::string& prefix);

// One line for people: "UNAVAILABLE: <message> [field f, reason R] (<Vietnamese message>)".
std::string DescribeStatus(const absl::Status& s);

}  // namespace tinhgon

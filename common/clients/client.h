// The one way a service calls another (in the style of google-cloud-cpp): a small interface per
// backend (e.g. OrgRegistryClient) with a gRPC implementation and a fake for tests, built on
// ClientCore below, which every gRPC implementation shares:
//   - a deadline on every call: the caller's, capped by the client's own timeout;
//   - retries with backoff only for methods that change nothing (idempotent reads), and only on
//     UNAVAILABLE, while the deadline allows;
//   - the identity: the calling service signs a principal for each call (who acts: the service;
//     on whose behalf: the subject of the request it is serving), bound to the method and body
//     like the gateway's, with a request id derived from the caller's;
//   - errors: a backend that is down or does not answer reaches the caller as UNAVAILABLE (or
//     DEADLINE_EXCEEDED) naming the backend, never as an empty or zero answer; the backend's own
//     errors keep their code and details.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/call.h"
#include "common/grpc_status.h"
#include "common/status.h"

namespace tinhgon {

struct ClientOptions {
  std::string backend_name;  // for errors and logs, e.g. "org-registry"
  std::string target;        // host:port
  std::string trust_secret;  // signs the principal; required by a backend that enforces
  Principal self;            // who acts: the calling service, e.g. {"staffing", 0, {"service"}}
  absl::Duration timeout = absl::Seconds(10);  // per call, when the caller's deadline is later
  int read_attempts = 3;                       // for idempotent reads
  absl::Duration initial_backoff = absl::Milliseconds(20);
  absl::Duration max_backoff = absl::Milliseconds(200);
};

// The call a client call is made for: whose request, its id and deadline (a CallInfo of the
// serving call, or one made up by a job).
using Caller = CallInfo;

class ClientCore {
 public:
  explicit ClientCore(ClientOptions options);
  const ClientOptions& options() const { return options_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // Runs `invoke(ctx)` (one gRPC call) with a deadline, a signed principal and, when
  // `idempotent`, retries. `method` is the full name; `request` what is sent.
  template <typename Req, typename Fn>
  absl::Status Call(const Caller& caller, const char* method, const Req& request,
                    bool idempotent, Fn invoke) {
    const int attempts = idempotent ? std::max(1, options_.read_attempts) : 1;
    const std::string body = BodyHash(request);
    absl::Duration backoff = options_.initial_backoff;
    grpc::Status last;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      const absl::Time deadline = std::min(caller.deadline, absl::Now() + options_.timeout);
      grpc::ClientContext ctx;
      ctx.set_deadline(absl::ToChronoTime(deadline));
      Sign(ctx, caller, method, body);
      last = invoke(ctx);
      if (last.ok()) return absl::OkStatus();
      const bool retry = idempotent && last.error_code() == grpc::StatusCode::UNAVAILABLE &&
                         attempt < attempts && absl::Now() + backoff < caller.deadline;
      if (!retry) break;
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    return MapError(last, method);
  }

 private:
  void Sign(grpc::ClientContext& ctx, const Caller& caller, const char* method,
            const std::string& body_hash);
  absl::Status MapError(const grpc::Status& s, const char* method) const;

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::atomic<uint64_t> sequence_{0};
};

// One idempotent unary read through `core`: `fn` is the stub's method for `name` of `service`
// ("/pkg.Service/"), e.g. &Stub::GetOrgUnit.
template <typename Resp, typename Req, typename Stub, typename StubFn>
absl::StatusOr<Resp> ReadUnary(ClientCore& core, Stub& stub, const char* service,
                               const char* name, const Req& req, const Caller& caller,
                               StubFn fn) {
  const std::string method = absl::StrCat(service, name);
  Resp resp;
  absl::Status s = core.Call(caller, method.c_str(), req, /*idempotent=*/true,
                             [&](grpc::ClientContext& ctx) { return (stub.*fn)(&ctx, req, &resp); });
  if (!s.ok()) return s;
  return resp;
}

// Every page of a paged read, collected: `read(request)` gives a page, `items(page)` its
// repeated field; the request's page_token follows next_page_token. RESOURCE_EXHAUSTED
// `reason` past `max_items` (`what`: "changes"; `vi`: the Vietnamese message).
template <typename Item, typename Req, typename ReadFn, typename ItemsFn>
absl::StatusOr<std::vector<Item>> CollectPages(Req request, size_t max_items, const char* reason,
                                               const char* what, const char* vi, ReadFn read,
                                               ItemsFn items) {
  std::vector<Item> out;
  while (true) {
    auto page = read(request);
    if (!page.ok()) return page.status();
    for (auto& item : *items(*page)) {
      if (out.size() >= max_items) {
        return MakeError({absl::StatusCode::kResourceExhausted, reason, "",
                          absl::StrCat("more than ", max_items, " ", what), vi});
      }
      out.push_back(std::move(item));
    }
    if (page->next_page_token().empty()) return out;
    request.set_page_token(page->next_page_token());
  }
}

}  // namespace tinhgon

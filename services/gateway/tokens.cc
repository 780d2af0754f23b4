#include "services/gateway/tokens.h"

#include "common/status.h"
#include "common/text.h"

namespace tinhgon::gateway {

WriteContext Tokens::Context(const CallInfo& caller, const char* method) {
  return WriteContext{caller.principal.subject, caller.request_id, method};
}

absl::StatusOr<IssuedToken> Tokens::Issue(const CallInfo& caller, TokenSpec spec) {
  TokenInsert t;
  TG_ASSIGN_OR_RETURN(t.spec, ValidateTokenSpec(std::move(spec)));
  if (t.spec.org_unit_id != 0 && units_ != nullptr) {
    TG_RETURN_IF_ERROR(units_->CheckUnit(caller, t.spec.org_unit_id, "org_unit_id"));
  }
  IssuedToken out;
  out.bearer_token = NewToken();
  t.hash = HashToken(out.bearer_token);
  t.now = clock_.Now();
  TG_ASSIGN_OR_RETURN(out.record, store_->Insert(Context(caller, "IssueToken"), t));
  return out;
}

absl::StatusOr<std::vector<TokenRecord>> Tokens::List(TokenQuery q) {
  if (!IsValidUtf8(q.subject) || q.subject.size() > 200) {
    return InvalidField("subject", "at most 200 bytes of UTF-8", "Chủ thể không hợp lệ");
  }
  q.now = clock_.Now();
  return store_->List(q);
}

absl::StatusOr<TokenRecord> Tokens::Revoke(const CallInfo& caller, int64_t id,
                                           const std::string& reason) {
  if (id <= 0) return InvalidField("id", "must be a token id", "Phải chọn mã truy cập");
  if (reason.size() > 1000 || !IsValidUtf8(reason)) {
    return InvalidField("reason", "at most 1000 bytes of UTF-8", "Lý do không hợp lệ");
  }
  TG_ASSIGN_OR_RETURN(TokenRecord r,
                      store_->Revoke(Context(caller, "RevokeToken"), id, reason, clock_.Now()));
  if (forget_) forget_(r.id);
  return r;
}

}  // namespace tinhgon::gateway

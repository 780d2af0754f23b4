#include "services/reporting/api/reporting_api.h"

#include <algorithm>

#include "common/proto_util.h"
#include "common/status.h"
#include "common/write.h"

namespace tinhgon::reporting {

namespace {

// An export's bytes after its header, at most this much a message.
constexpr size_t kChunkBytes = 64 * 1024;

class ExportSource final : public MessageSource<pb::ExportChunk> {
 public:
  explicit ExportSource(ExportFile file) : file_(std::move(file)) {}
  absl::StatusOr<bool> Next(pb::ExportChunk& out) override {
    if (!header_sent_) {
      pb::ExportHeader* h = out.mutable_header();
      h->set_filename(file_.filename);
      h->set_content_type(file_.content_type);
      h->set_size_bytes(static_cast<int64_t>(file_.bytes.size()));
      h->set_sha256(file_.sha256);
      h->set_snapshot_sha256(file_.snapshot_sha256);
      header_sent_ = true;
      return true;
    }
    if (at_ >= file_.bytes.size()) return false;
    const size_t n = std::min(kChunkBytes, file_.bytes.size() - at_);
    out.set_data(file_.bytes.substr(at_, n));
    at_ += n;
    return true;
  }

 private:
  ExportFile file_;
  bool header_sent_ = false;
  size_t at_ = 0;
};

}  // namespace

grpc::ServerUnaryReactor* ReportingApi::CreateReportRegime(grpc::CallbackServerContext* ctx,
                                                           const pb::CreateReportRegimeRequest* req,
                                                           pb::ReportRegime* resp) {
  return Serve<pb::CreateReportRegimeRequest, pb::ReportRegime>(
      ctx, "CreateReportRegime", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::CreateReportRegimeRequest& q,
         pb::ReportRegime& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, q.request_id(), q));
        TG_ASSIGN_OR_RETURN(Regime g, r.CreateRegime(info, w, q.regime()));
        out = std::move(g.proto);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::GetReportRegime(grpc::CallbackServerContext* ctx,
                                                        const pb::GetReportRegimeRequest* req,
                                                        pb::ReportRegime* resp) {
  return Serve<pb::GetReportRegimeRequest, pb::ReportRegime>(
      ctx, "GetReportRegime", req, resp,
      [](Reporting& r, const CallInfo&, const pb::GetReportRegimeRequest& q,
         pb::ReportRegime& out) -> absl::Status {
        if (q.key_case() == pb::GetReportRegimeRequest::kCode && q.code().empty()) {
          return InvalidField("code", "name the regime", "Hãy chọn chế độ báo cáo");
        }
        TG_ASSIGN_OR_RETURN(Regime g, r.GetRegime(q.id(), q.code()));
        out = std::move(g.proto);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::ListReportRegimes(grpc::CallbackServerContext* ctx,
                                                          const pb::ListReportRegimesRequest* req,
                                                          pb::ListReportRegimesResponse* resp) {
  return Serve<pb::ListReportRegimesRequest, pb::ListReportRegimesResponse>(
      ctx, "ListReportRegimes", req, resp,
      [](Reporting& r, const CallInfo&, const pb::ListReportRegimesRequest& q,
         pb::ListReportRegimesResponse& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(const int size, PageSize(q.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(const int offset, DecodePageToken(q.page_token(), "page_token"));
        TG_ASSIGN_OR_RETURN(std::vector<Regime> list, r.ListRegimes(size + 1, offset));
        for (size_t i = 0; i < list.size() && i < static_cast<size_t>(size); ++i) {
          *out.add_regimes() = std::move(list[i].proto);
        }
        if (list.size() > static_cast<size_t>(size)) {
          out.set_next_page_token(EncodePageToken(offset + size));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::GetReportPeriod(grpc::CallbackServerContext* ctx,
                                                        const pb::GetReportPeriodRequest* req,
                                                        pb::ReportPeriod* resp) {
  return Serve<pb::GetReportPeriodRequest, pb::ReportPeriod>(
      ctx, "GetReportPeriod", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::GetReportPeriodRequest& q,
         pb::ReportPeriod& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::optional<Date> as_of, FromProto(q.as_of(), "as_of"));
        TG_ASSIGN_OR_RETURN(out, r.GetPeriod(info, q.regime_id(), q.year(), q.index(), as_of));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::ListReportPeriods(grpc::CallbackServerContext* ctx,
                                                          const pb::ListReportPeriodsRequest* req,
                                                          pb::ListReportPeriodsResponse* resp) {
  return Serve<pb::ListReportPeriodsRequest, pb::ListReportPeriodsResponse>(
      ctx, "ListReportPeriods", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::ListReportPeriodsRequest& q,
         pb::ListReportPeriodsResponse& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(std::optional<Date> due_by, FromProto(q.due_by(), "due_by"));
        TG_ASSIGN_OR_RETURN(const int size, PageSize(q.page_size(), 20, 100, "page_size"));
        TG_ASSIGN_OR_RETURN(const int offset, DecodePageToken(q.page_token(), "page_token"));
        TG_ASSIGN_OR_RETURN(auto page, r.ListPeriods(info, q.regime_id(), due_by, size, offset));
        for (pb::ReportPeriod& p : page.first) *out.add_periods() = std::move(p);
        if (page.second) out.set_next_page_token(EncodePageToken(offset + size));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::CreateSubmission(grpc::CallbackServerContext* ctx,
                                                         const pb::CreateSubmissionRequest* req,
                                                         pb::Submission* resp) {
  return Serve<pb::CreateSubmissionRequest, pb::Submission>(
      ctx, "CreateSubmission", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::CreateSubmissionRequest& q,
         pb::Submission& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, q.request_id(), q));
        TG_ASSIGN_OR_RETURN(out, r.CreateSubmission(info, w, q.submission()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::UpdateSubmission(grpc::CallbackServerContext* ctx,
                                                         const pb::UpdateSubmissionRequest* req,
                                                         pb::Submission* resp) {
  return Serve<pb::UpdateSubmissionRequest, pb::Submission>(
      ctx, "UpdateSubmission", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::UpdateSubmissionRequest& q,
         pb::Submission& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "", q));
        TG_ASSIGN_OR_RETURN(out, r.UpdateSubmission(info, w, q.id(), q.etag(), q.narrative()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::SubmitSubmission(grpc::CallbackServerContext* ctx,
                                                         const pb::SubmitSubmissionRequest* req,
                                                         pb::Submission* resp) {
  return Serve<pb::SubmitSubmissionRequest, pb::Submission>(
      ctx, "SubmitSubmission", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::SubmitSubmissionRequest& q,
         pb::Submission& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "", q));
        TG_ASSIGN_OR_RETURN(std::optional<Date> received, FromProto(q.received_on(), "received_on"));
        TG_ASSIGN_OR_RETURN(out, r.SubmitSubmission(info, w, q.id(), q.etag(), received));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::ReviewSubmission(grpc::CallbackServerContext* ctx,
                                                         const pb::ReviewSubmissionRequest* req,
                                                         pb::Submission* resp) {
  return Serve<pb::ReviewSubmissionRequest, pb::Submission>(
      ctx, "ReviewSubmission", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::ReviewSubmissionRequest& q,
         pb::Submission& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, "", q));
        TG_ASSIGN_OR_RETURN(out,
                            r.ReviewSubmission(info, w, q.id(), q.etag(), q.accept(), q.note()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::GetSubmission(grpc::CallbackServerContext* ctx,
                                                      const pb::GetSubmissionRequest* req,
                                                      pb::Submission* resp) {
  return Serve<pb::GetSubmissionRequest, pb::Submission>(
      ctx, "GetSubmission", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::GetSubmissionRequest& q,
         pb::Submission& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(out, r.GetSubmission(info, q.id(), q.all_versions()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::ListSubmissions(grpc::CallbackServerContext* ctx,
                                                        const pb::ListSubmissionsRequest* req,
                                                        pb::ListSubmissionsResponse* resp) {
  return Serve<pb::ListSubmissionsRequest, pb::ListSubmissionsResponse>(
      ctx, "ListSubmissions", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::ListSubmissionsRequest& q,
         pb::ListSubmissionsResponse& out) -> absl::Status {
        SubmissionQuery query;
        query.regime_id = q.regime_id();
        query.year = q.year();
        query.index = q.index();
        query.unit_id = q.unit_id();
        if (q.year() < 0) return InvalidField("year", "must not be negative", "Không hợp lệ");
        if (q.index() < 0 || q.index() > 12) return InvalidField("index", "0..12", "Không hợp lệ");
        if (q.unit_id() < 0) return InvalidField("unit_id", "must not be negative", "Không hợp lệ");
        for (int i = 0; i < q.statuses_size(); ++i) {
          if (q.statuses(i) == 0 || !pb::SubmissionStatus_IsValid(q.statuses(i))) {
            return InvalidField(absl::StrCat("statuses[", i, "]"), "is not a status",
                                "Trạng thái không hợp lệ");
          }
          query.statuses.push_back(static_cast<SubmissionStatus>(q.statuses(i)));
        }
        TG_ASSIGN_OR_RETURN(const int size, PageSize(q.page_size(), 100, 1000, "page_size"));
        TG_ASSIGN_OR_RETURN(query.offset, DecodePageToken(q.page_token(), "page_token"));
        query.limit = size + 1;
        TG_ASSIGN_OR_RETURN(std::vector<pb::Submission> list, r.ListSubmissions(info, query));
        for (size_t i = 0; i < list.size() && i < static_cast<size_t>(size); ++i) {
          *out.add_submissions() = std::move(list[i]);
        }
        if (list.size() > static_cast<size_t>(size)) {
          out.set_next_page_token(EncodePageToken(query.offset + size));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::StartReportBuild(grpc::CallbackServerContext* ctx,
                                                         const pb::StartReportBuildRequest* req,
                                                         pb::ReportBuild* resp) {
  return Serve<pb::StartReportBuildRequest, pb::ReportBuild>(
      ctx, "StartReportBuild", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::StartReportBuildRequest& q,
         pb::ReportBuild& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(WriteContext w, StartWrite(info, q.request_id(), q));
        TG_ASSIGN_OR_RETURN(out, r.StartBuild(info, w, q));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::GetReportBuild(grpc::CallbackServerContext* ctx,
                                                       const pb::GetReportBuildRequest* req,
                                                       pb::ReportBuild* resp) {
  return Serve<pb::GetReportBuildRequest, pb::ReportBuild>(
      ctx, "GetReportBuild", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::GetReportBuildRequest& q,
         pb::ReportBuild& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(out, r.GetBuild(info, q.name()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::ListReportBuilds(grpc::CallbackServerContext* ctx,
                                                         const pb::ListReportBuildsRequest* req,
                                                         pb::ListReportBuildsResponse* resp) {
  return Serve<pb::ListReportBuildsRequest, pb::ListReportBuildsResponse>(
      ctx, "ListReportBuilds", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::ListReportBuildsRequest& q,
         pb::ListReportBuildsResponse& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(const int size, PageSize(q.page_size(), 50, 500, "page_size"));
        TG_ASSIGN_OR_RETURN(const int offset, DecodePageToken(q.page_token(), "page_token"));
        TG_ASSIGN_OR_RETURN(std::vector<pb::ReportBuild> list,
                            r.ListBuilds(info, q.regime_id(), size + 1, offset));
        for (size_t i = 0; i < list.size() && i < static_cast<size_t>(size); ++i) {
          *out.add_builds() = std::move(list[i]);
        }
        if (list.size() > static_cast<size_t>(size)) {
          out.set_next_page_token(EncodePageToken(offset + size));
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::CancelReportBuild(grpc::CallbackServerContext* ctx,
                                                          const pb::CancelReportBuildRequest* req,
                                                          pb::ReportBuild* resp) {
  return Serve<pb::CancelReportBuildRequest, pb::ReportBuild>(
      ctx, "CancelReportBuild", req, resp,
      [](Reporting& r, const CallInfo& info, const pb::CancelReportBuildRequest& q,
         pb::ReportBuild& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(out, r.CancelBuild(info, q.name()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReportingApi::GetReportSnapshot(grpc::CallbackServerContext* ctx,
                                                          const pb::GetReportSnapshotRequest* req,
                                                          pb::ReportSnapshot* resp) {
  return Serve<pb::GetReportSnapshotRequest, pb::ReportSnapshot>(
      ctx, "GetReportSnapshot", req, resp,
      [](Reporting& r, const CallInfo&, const pb::GetReportSnapshotRequest& q,
         pb::ReportSnapshot& out) -> absl::Status {
        TG_ASSIGN_OR_RETURN(out, r.GetSnapshot(q.id()));
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<pb::ExportChunk>* ReportingApi::ExportReport(
    grpc::CallbackServerContext* ctx, const pb::ExportReportRequest* req) {
  return runner_.Stream<pb::ExportReportRequest, pb::ExportChunk>(
      ctx, "ExportReport", req,
      [this](PgSession& s, const CallInfo& info, const pb::ExportReportRequest& q)
          -> absl::StatusOr<std::unique_ptr<MessageSource<pb::ExportChunk>>> {
        std::unique_ptr<Reporting> r = reporting_(s, info.deadline);
        TG_ASSIGN_OR_RETURN(ExportFile file, r->Export(q.snapshot_id(), q.format()));
        return std::unique_ptr<MessageSource<pb::ExportChunk>>(
            std::make_unique<ExportSource>(std::move(file)));
      });
}

}  // namespace tinhgon::reporting

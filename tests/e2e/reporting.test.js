// Reporting end to end: a real gateway in front of the org registry (the Lâm Đồng sample, by
// tools/seed_loader), staffing (tools/staffing_sample), tasks (the seed plan and its sample
// progress, by tools/import_plan) and reporting, each trusting only principals signed with the
// shared secret, everything on one throwaway PostgreSQL. The seed plan's yearly regime is
// defined through the API; agencies submit with their own tokens, Sở Nội vụ reviews, and the
// consolidated reports of 2018–2021 are built as long-running operations, checked for
// determinism, exported (CSV, XLSX read back with openpyxl, HTML rendered by headless
// Chromium to a screenshot kept in the test output), and a build with a service down fails
// naming it. The client knows the API only through the gateway's reflection.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const h = require('./harness');

const ORG = 'tinhgon.orgregistry.v1.OrgRegistry';
const ST = 'tinhgon.staffing.v1.Staffing';
const TK = 'tinhgon.tasks.v1.Tasks';
const RP = 'tinhgon.reporting.v1.Reporting';
const ADMIN = 'tinhgon.gateway.v1.TokenAdmin';
const UNITS = path.join(h.REPO, 'data', 'lam_dong', 'units.tsv');
const QUOTAS = path.join(h.REPO, 'data', 'lam_dong', 'staffing_quotas.tsv');
const PLAN = path.join(h.REPO, 'data', 'plans', 'ke-hoach-lam-dong-nq18.txt');
const PROGRESS = path.join(h.REPO, 'data', 'plans', 'ke-hoach-lam-dong-nq18.progress.tsv');
// Screenshots and exports a person can look at after the run.
const OUT = process.env.TINHGON_TEST_OUT || path.join(os.tmpdir(), 'tinhgon-e2e-reporting');
const skip = h.skipReason();

const field = h.errorField;
const reason = h.errorReason;
const { sleep } = h;

function nq18Regime(ids, planId, targets) {
  return {
    code: 'E2E_NQ18_YEARLY',
    name: 'Báo cáo kết quả thực hiện Kế hoạch NQ18 (hằng năm)',
    legal_basis: { act_number: 'E2E/KH-UBND', act_date: h.date(2018, 5, 15), issuer: 'UBND tỉnh Lâm Đồng' },
    period_kind: 'PERIOD_KIND_YEAR',
    period_start: { day: 1, month: 1 },
    submission_due: { day_of_year: { day: 25, month: 11 }, before_day: true },
    consolidated_due: { day_of_year: { day: 1, month: 12 } },
    submitters: {
      root_unit_id: ids['68'],
      kinds: ['ORG_KIND_DEPARTMENT', 'ORG_KIND_AGENCY', 'ORG_KIND_DISTRICT_COMMITTEE'],
      direct_children_only: true,
    },
    collector: { id: ids['68.SNV'] },
    recipient: { id: ids['68'] },
    scope_unit_id: ids['68'],
    plan_ids: [planId],
    base_year: 2015,
    reduction_target_ids: targets,
    first_year: 2018,
  };
}

describe('reporting', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const servers = {};
  let gw;
  const clients = [];
  const client = async (service, token) => {
    const c = await h.reflectedClient(gw.target, service, { token });
    clients.push(c);
    return c;
  };
  const ids = {};  // unit code → id
  let rp;          // reporting, as admin
  let tokens;
  let regime;
  let planId;
  let rpSchema;
  // Rows of every table the reporting service writes: a refused call leaves them as they were.
  const rows = () => h.psql(`SELECT (SELECT count(*) FROM ${rpSchema}.regime), (SELECT count(*) FROM ${rpSchema}.submission),`
    + ` (SELECT count(*) FROM ${rpSchema}.submission_version), (SELECT count(*) FROM ${rpSchema}.build),`
    + ` (SELECT count(*) FROM ${rpSchema}.snapshot), (SELECT count(*) FROM ${rpSchema}.audit_log)`);
  const issue = async (subject, roles, unit = 0) => (await tokens.IssueToken({
    subject, roles, org_unit_id: unit, ttl: { seconds: '3600' },
  })).bearer_token;
  // Runs a build to its end; the build as it ended.
  const build = async (req) => {
    let b = await rp.StartReportBuild(req);
    for (let i = 0; i < 600 && !b.done; i++) {
      await sleep(100);
      b = await rp.GetReportBuild({ name: b.name });
    }
    assert.ok(b.done, `build ${b.name} did not end`);
    return b;
  };
  const exportFile = async (snapshotId, format) => {
    const messages = await h.readStream(rp, 'ExportReport', { snapshot_id: snapshotId, format }, gw.adminToken);
    const header = messages[0].header;
    const chunks = messages.slice(1).map((m) => m.data);
    for (const c of chunks) assert.ok(c.length <= 65536, 'a chunk carries at most 64 KiB');
    const bytes = Buffer.concat(chunks);
    assert.equal(bytes.length, Number(header.size_bytes));
    assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), header.sha256);
    return { header, bytes };
  };

  before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    // Today as the sample expects (it holds streamlining cases decided up to 2023).
    const today = '2026-06-01';
    servers.org = await h.startOrgRegistry({ schema: h.freshSchema('rporg'), trustSecret: secret, today });
    servers.st = await h.startStaffing({ schema: h.freshSchema('rpst'), registry: servers.org.target, trustSecret: secret, today });
    servers.tk = await h.startTasks({ schema: h.freshSchema('rptk'), registry: servers.org.target, trustSecret: secret, today });
    rpSchema = h.freshSchema('rp');
    servers.rp = await h.startReporting({
      schema: rpSchema, registry: servers.org.target, staffing: servers.st.target,
      tasks: servers.tk.target, trustSecret: secret, today,
    });
    gw = await h.startGateway({
      schema: h.freshSchema('rpgw'),
      routes: { [ORG]: servers.org.target, [ST]: servers.st.target, [TK]: servers.tk.target, [RP]: servers.rp.target },
      trustSecret: secret,
    });
    const seeded = await h.runTool('tools/seed_loader', [`--target=${gw.target}`, `--token=${gw.adminToken}`, `--file=${UNITS}`]);
    assert.equal(seeded.code, 0, seeded.stderr);
    for (const line of seeded.stdout.split('\n')) {
      const m = /^(created|existing)\s+(\S+)\s+id=(\d+)\s/.exec(line);
      if (m) ids[m[2]] = m[3];
    }
    const staffed = await h.runTool('tools/staffing_sample', [
      `--registry=${servers.org.target}`, `--staffing=${servers.st.target}`, `--quotas=${QUOTAS}`,
    ], 300000, { TINHGON_TRUST_SECRET: secret });
    assert.equal(staffed.code, 0, staffed.stderr + staffed.stdout);
    const imported = await h.runTool('tools/import_plan', [
      `--target=${gw.target}`, `--token=${gw.adminToken}`, `--file=${PLAN}`, `--issuer_id=${ids['68']}`,
      '--number=E2E/KH-UBND', '--issued=2018-05-15', '--commit', `--progress=${PROGRESS}`,
    ], 300000);
    assert.equal(imported.code, 0, imported.stderr + imported.stdout);
    planId = /plan id=(\d+)/.exec(imported.stdout)[1];
    rp = await client(RP, gw.adminToken);
    tokens = await client(ADMIN, gw.adminToken);
    const staffing = await client(ST, gw.adminToken);
    const targets = (await staffing.ListReductionTargets({})).targets.map((t) => t.id);
    assert.ok(targets.length >= 1, 'the sample loads the Resolution 18 targets');
    regime = await rp.CreateReportRegime({ request_id: 'e2e-regime-1', regime: nq18Regime(ids, planId, targets) });
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const s of [gw, servers.rp, servers.tk, servers.st, servers.org]) if (s) await s.stop();
  });

  it('defines a regime once; a bad one is refused naming the field and writes nothing', async () => {
    assert.equal(regime.code, 'E2E_NQ18_YEARLY');
    assert.equal(regime.collector.name, 'Sở Nội vụ');
    assert.deepEqual(regime.weights, { tasks_on_time: 40, staff_reduction: 30, deputies_within_caps: 15, report_on_time: 15 });
    const again = await rp.CreateReportRegime({ request_id: 'e2e-regime-1', regime: nq18Regime(ids, planId, regime.reduction_target_ids) });
    assert.equal(again.id, regime.id, 'a retry returns the first answer');
    const before = (await rp.ListReportRegimes({})).regimes.length;
    const bad = [
      [{ code: 'bad code' }, 'regime.code'],
      [{ submission_due: { day_of_year: { day: 29, month: 2 } } }, 'regime.submission_due.day_of_year'],
      [{ period_start: { day: 31, month: 1 } }, 'regime.period_start.day'],
      [{ collector: { id: '999999' } }, 'regime.collector.id'],
      [{ weights: { tasks_on_time: -1 } }, 'regime.weights.tasks_on_time'],
      [{ plan_ids: ['5', '5'] }, 'regime.plan_ids[1]'],
    ];
    for (const [change, f] of bad) {
      const r = { ...nq18Regime(ids, planId, regime.reduction_target_ids), code: 'E2E_OTHER', ...change };
      await assert.rejects(rp.CreateReportRegime({ request_id: `bad-${f}`, regime: r }), (err) => {
        assert.ok([3, 5].includes(err.code), `${f}: ${err.code} ${err.details}`);
        assert.equal(field(err), f);
        return true;
      });
    }
    await assert.rejects(
      rp.CreateReportRegime({ request_id: 'e2e-regime-dup', regime: nq18Regime(ids, planId, regime.reduction_target_ids) }),
      (err) => err.code === 6 && reason(err) === 'REGIME_EXISTS');
    assert.equal((await rp.ListReportRegimes({})).regimes.length, before, 'nothing written');
  });

  it('computes a period: its days, who reports, and where each stands on a date', async () => {
    const p = await rp.GetReportPeriod({ regime_id: regime.id, year: 2019, as_of: h.date(2019, 11, 1) });
    assert.deepEqual([p.first_day, p.last_day], [h.date(2019, 1, 1), h.date(2019, 12, 31)]);
    assert.deepEqual(p.submission_due, h.date(2019, 11, 24), '"trước ngày 25": the 25th is late');
    assert.deepEqual(p.consolidated_due, h.date(2019, 12, 1), '"vào ngày 01": the 1st is on time');
    assert.deepEqual(p.data_date, h.date(2019, 12, 1));
    assert.equal(p.label, 'Năm 2019');
    const orgs = await client(ORG, gw.adminToken);
    const direct = await orgs.ListOrgUnits({
      parent_id: ids['68'], as_of: h.date(2019, 12, 1), page_size: 1000,
      kinds: ['ORG_KIND_DEPARTMENT', 'ORG_KIND_AGENCY', 'ORG_KIND_DISTRICT_COMMITTEE'],
    });
    assert.equal(p.submitters.length, direct.units.length);
    assert.ok(p.submitters.length > 20);
    assert.equal(p.not_yet_due, p.submitters.length);
    const late = await rp.GetReportPeriod({ regime_id: regime.id, year: 2019, as_of: h.date(2019, 11, 25) });
    assert.equal(late.missing, late.submitters.length);
    await assert.rejects(rp.GetReportPeriod({ regime_id: regime.id, year: 2017 }), (err) => err.code === 3 && field(err) === 'year');
    const due = await rp.ListReportPeriods({ regime_id: regime.id, due_by: h.date(2021, 12, 1) });
    assert.deepEqual(due.periods.map((x) => x.year), [2021, 2020, 2019, 2018]);
  });

  it('takes an agency through draft, submit, return, resubmit and accept, with its figures', async () => {
    const tc = await issue('so-tai-chinh', ['agency'], ids['68.STC']);
    const snv = await issue('so-noi-vu', ['agency'], ids['68.SNV']);
    const other = await issue('so-xay-dung', ['agency'], ids['68.SXD']);
    const asTc = await client(RP, tc);
    const asSnv = await client(RP, snv);
    const asOther = await client(RP, other);
    const draft = { regime_id: regime.id, year: 2019, unit: { id: ids['68.STC'] }, narrative: { results: '' } };
    await assert.rejects(asOther.CreateSubmission({ request_id: 'x1', submission: draft }),
      (err) => err.code === 7 && reason(err) === 'NOT_OWN_UNIT');
    await assert.rejects(asTc.CreateSubmission({ request_id: 'x2', submission: { ...draft, unit: { id: ids['672'] } } }),
      (err) => err.code === 7);
    let s = await asTc.CreateSubmission({ request_id: 'stc-2019', submission: draft });
    assert.equal(s.status, 'SUBMISSION_STATUS_DRAFT');
    await assert.rejects(asTc.CreateSubmission({ request_id: 'stc-2019-b', submission: draft }),
      (err) => err.code === 6 && reason(err) === 'SUBMISSION_EXISTS');
    await assert.rejects(asTc.SubmitSubmission({ id: s.id, etag: s.etag }),
      (err) => err.code === 3 && field(err) === 'narrative.results');
    s = await asTc.UpdateSubmission({
      id: s.id, etag: s.etag,
      narrative: { results: 'Đã sắp xếp 2 phòng.', difficulties: 'Thiếu hướng dẫn về vị trí việc làm.', proposals: 'Đề nghị Sở Nội vụ hướng dẫn.' },
    });
    await assert.rejects(asTc.SubmitSubmission({ id: s.id, etag: 'v1' }), (err) => err.code === 10);
    // The agency may not back-date its report; the collector records when it arrived.
    await assert.rejects(asTc.SubmitSubmission({ id: s.id, etag: s.etag, received_on: h.date(2019, 11, 20) }),
      (err) => err.code === 7 && reason(err) === 'NOT_COLLECTOR');
    s = await asSnv.SubmitSubmission({ id: s.id, etag: s.etag, received_on: h.date(2019, 11, 20) });
    assert.equal(s.status, 'SUBMISSION_STATUS_SUBMITTED');
    assert.equal(s.version, 1);
    assert.deepEqual(s.first_submitted_on, h.date(2019, 11, 20));
    assert.deepEqual(s.figures.as_of, h.date(2019, 11, 20), 'figures as of the day it arrived');
    assert.ok(s.figures.tasks_total > 0, 'the agency leads tasks of the plan');
    assert.ok(s.figures.reduction.length > 0, 'its quotas against 2015');
    await assert.rejects(asOther.ReviewSubmission({ id: s.id, etag: s.etag, accept: true }),
      (err) => err.code === 7 && reason(err) === 'NOT_COLLECTOR');
    await assert.rejects(asSnv.ReviewSubmission({ id: s.id, etag: s.etag, accept: false }),
      (err) => err.code === 3 && field(err) === 'note');
    s = await asSnv.ReviewSubmission({ id: s.id, etag: s.etag, accept: false, note: 'Bổ sung số liệu biên chế.' });
    assert.equal(s.status, 'SUBMISSION_STATUS_RETURNED');
    await assert.rejects(asSnv.ReviewSubmission({ id: s.id, etag: s.etag, accept: true }),
      (err) => err.code === 9 && reason(err) === 'NOT_SUBMITTED');
    s = await asTc.UpdateSubmission({ id: s.id, etag: s.etag, narrative: { ...s.narrative, results: 'Đã sắp xếp 2 phòng; giảm 3 biên chế.' } });
    s = await asTc.SubmitSubmission({ id: s.id, etag: s.etag });
    assert.equal(s.version, 2);
    assert.deepEqual(s.first_submitted_on, h.date(2019, 11, 20), 'a resubmission keeps the first day');
    s = await asSnv.ReviewSubmission({ id: s.id, etag: s.etag, accept: true });
    assert.equal(s.status, 'SUBMISSION_STATUS_ACCEPTED');
    const all = await rp.GetSubmission({ id: s.id, all_versions: true });
    assert.deepEqual(all.versions.map((v) => [v.version, v.outcome]),
      [[1, 'SUBMISSION_STATUS_RETURNED'], [2, 'SUBMISSION_STATUS_ACCEPTED']]);
    // A second agency, received on the 25th: late.
    const xd = await client(RP, other);
    let s2 = await xd.CreateSubmission({ request_id: 'sxd-2019', submission: { regime_id: regime.id, year: 2019, unit: { id: ids['68.SXD'] }, narrative: { results: 'Hoàn thành.' } } });
    s2 = await rp.SubmitSubmission({ id: s2.id, etag: s2.etag, received_on: h.date(2019, 11, 25) });
    const p = await rp.GetReportPeriod({ regime_id: regime.id, year: 2019, as_of: h.date(2019, 12, 1) });
    const byId = Object.fromEntries(p.submitters.map((x) => [x.unit.id, x.standing]));
    assert.equal(byId[ids['68.STC']], 'SUBMITTER_STANDING_ON_TIME');
    assert.equal(byId[ids['68.SXD']], 'SUBMITTER_STANDING_LATE');
    assert.equal(p.on_time, 1);
    assert.equal(p.late, 1);
    assert.equal(p.missing, p.submitters.length - 2);
  });

  it('builds the consolidated report as an operation into a snapshot that hashes the same every time', async () => {
    const viewer = await client(RP, await issue('viewer', ['viewer']));
    await assert.rejects(viewer.StartReportBuild({ request_id: 'v', regime_id: regime.id, year: 2019 }),
      (err) => err.code === 7);
    // Figures are never read as of a day that has not come (today is 2026-06-01 here).
    await assert.rejects(rp.StartReportBuild({ request_id: 'future', regime_id: regime.id, year: 2027 }),
      (err) => err.code === 3 && field(err) === 'as_of');
    await assert.rejects(rp.StartReportBuild({ request_id: 'future-2', regime_id: regime.id, year: 2026, as_of: h.date(2026, 6, 2) }),
      (err) => err.code === 3 && field(err) === 'as_of');
    const b = await build({ request_id: 'build-2019', regime_id: regime.id, year: 2019 });
    assert.equal(b.state, 'BUILD_STATE_SUCCEEDED', JSON.stringify(b.error));
    assert.equal(b.progress_percent, 100);
    assert.match(b.content_sha256, /^[0-9a-f]{64}$/);
    const snap = await rp.GetReportSnapshot({ id: b.snapshot_id });
    const c = snap.content;
    assert.deepEqual(c.manifest.as_of, h.date(2019, 12, 1));
    assert.equal(c.manifest.scope.id, ids['68']);
    assert.ok(c.manifest.inputs.some((i) => i.service === 'staffing' && i.known_at));
    assert.ok(c.org.by_kind.length > 0 && c.org.focal_units_after > 20);
    assert.ok(c.staff.quota.length > 0, 'quotas against 2015');
    assert.ok(c.tasks.total > 0 && c.tasks.by_lead.length > 0);
    assert.equal(c.submissions.on_time, 1);
    assert.equal(c.submissions.late, 1);
    assert.equal(c.scorecard.rows.length, c.submissions.submitters.length);
    assert.deepEqual(c.scorecard.rows.map((r) => r.rank), [...c.scorecard.rows.map((r) => r.rank)].sort((x, y) => x - y));
    assert.ok(c.difficulties.some((d) => d.unit.id === ids['68.STC'] && d.difficulties.includes('vị trí việc làm')));
    // The same inputs give the same bytes: built again as known then, it finds the snapshot.
    const again = await build({ request_id: 'build-2019-again', regime_id: regime.id, year: 2019, known_at: c.manifest.known_at });
    assert.equal(again.content_sha256, b.content_sha256);
    assert.equal(again.snapshot_id, b.snapshot_id);
    assert.equal(again.reused, true);
    // A later write that does not touch 2019 as known then changes nothing either.
    const staffing = await client(ST, gw.adminToken);
    await staffing.CreateHeadcount({
      request_id: 'later-headcount',
      snapshot: { unit: { id: ids['68.STC'] }, category: 'STAFF_CATEGORY_CIVIL_SERVANT', counted_on: h.date(2022, 1, 15), count: 40, source: 'e2e' },
    });
    const later = await build({ request_id: 'build-2019-later', regime_id: regime.id, year: 2019, known_at: c.manifest.known_at });
    assert.equal(later.content_sha256, b.content_sha256);
    // reuse_existing: answered from the stored snapshot, no build written.
    const builds = (await rp.ListReportBuilds({ regime_id: regime.id })).builds.length;
    const reused = await rp.StartReportBuild({ request_id: 'reuse', regime_id: regime.id, year: 2019, reuse_existing: true });
    assert.equal(reused.done, true);
    assert.equal(reused.snapshot_id, b.snapshot_id);
    assert.equal((await rp.ListReportBuilds({ regime_id: regime.id })).builds.length, builds);
  });

  it('builds the seed cycle 2018–2021, each as of its own day', async () => {
    let cumulative = -1;
    for (const year of [2018, 2019, 2020, 2021]) {
      const b = await build({ request_id: `cycle-${year}`, regime_id: regime.id, year, reuse_existing: true });
      assert.equal(b.state, 'BUILD_STATE_SUCCEEDED', `${year}: ${JSON.stringify(b.error)}`);
      const c = (await rp.GetReportSnapshot({ id: b.snapshot_id })).content;
      assert.deepEqual(c.manifest.as_of, h.date(year, 12, 1));
      assert.equal(c.period.label, `Năm ${year}`);
      assert.ok(Number(c.streamlining.total_cumulative) >= cumulative, 'people streamlined add up');
      cumulative = Number(c.streamlining.total_cumulative);
      assert.equal(c.scorecard.rows.length, c.submissions.submitters.length);
    }
  });

  it('exports a snapshot as CSV, XLSX and HTML, streamed in chunks', async () => {
    const b = await build({ request_id: 'exp', regime_id: regime.id, year: 2019, reuse_existing: true });
    const csv = await exportFile(b.snapshot_id, 'EXPORT_FORMAT_CSV');
    assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const text = csv.bytes.toString('utf8');
    assert.ok(text.includes('Bảng điểm') && text.includes('Sở Tài chính'));
    assert.equal(csv.header.content_type, 'text/csv; charset=utf-8');
    const xlsx = await exportFile(b.snapshot_id, 'EXPORT_FORMAT_XLSX');
    const xlsxPath = path.join(OUT, xlsx.header.filename);
    fs.writeFileSync(xlsxPath, xlsx.bytes);
    const check = spawnSync('python3', [path.join(h.REPO, 'tests', 'e2e', 'xlsx_check.py'), xlsxPath], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const book = JSON.parse(check.stdout);
    assert.equal(book.sheets.length, 12);
    assert.ok(book.sheets.every((s) => s.freeze === 'A2'), 'header rows frozen');
    const scoreSheet = book.sheets[book.sheets.length - 1];
    assert.equal(scoreSheet.rows, (await rp.GetReportSnapshot({ id: b.snapshot_id })).content.scorecard.rows.length);
    const html = await exportFile(b.snapshot_id, 'EXPORT_FORMAT_HTML');
    const page = html.bytes.toString('utf8');
    for (const id of ['chart-reduction', 'chart-timeliness', 'chart-focal-units']) assert.ok(page.includes(`id="${id}"`), id);
    const htmlPath = path.join(OUT, html.header.filename);
    fs.writeFileSync(htmlPath, html.bytes);
    const png = path.join(OUT, html.header.filename.replace(/\.html$/, '.png'));
    fs.rmSync(png, { force: true });
    const chromium = ['chromium', 'chromium-browser'].find((b2) => spawnSync('which', [b2]).status === 0);
    assert.ok(chromium, 'chromium is installed (Debian package chromium)');
    const shot = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
      `--screenshot=${png}`, '--window-size=1280,2400', `file://${htmlPath}`], { encoding: 'utf8', timeout: 120000 });
    assert.ok(fs.existsSync(png), `no screenshot: ${shot.stderr}`);
    assert.ok(fs.statSync(png).size > 20000, 'a page with tables and charts, not a blank one');
    // The same snapshot exports the same bytes.
    assert.equal((await exportFile(b.snapshot_id, 'EXPORT_FORMAT_XLSX')).header.sha256, xlsx.header.sha256);
    await assert.rejects(h.readStream(rp, 'ExportReport', { snapshot_id: b.snapshot_id, format: 'EXPORT_FORMAT_UNSPECIFIED' }, gw.adminToken),
      (err) => err.code === 3 && field(err) === 'format');
    await assert.rejects(h.readStream(rp, 'ExportReport', { snapshot_id: '999999', format: 'EXPORT_FORMAT_CSV' }, gw.adminToken),
      (err) => err.code === 5 && field(err) === 'snapshot_id');
  });

  it('defines regimes from a file and runs the scheduled job twice, the second writing nothing', async () => {
    const sample = JSON.parse(fs.readFileSync(path.join(h.REPO, 'data', 'lam_dong', 'report_regimes.json'), 'utf8'));
    const one = { ...sample[0], regime: { ...sample[0].regime, code: 'E2E_FILE_YEARLY' }, plans: [{ issuer: '68', number: 'E2E/KH-UBND' }] };
    const file = path.join(OUT, 'regimes.json');
    fs.writeFileSync(file, JSON.stringify([one]));
    const define = ['--target=' + gw.target, '--token=' + gw.adminToken, `--define=${file}`];
    const first = await h.runTool('tools/report_job', define);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(first.stdout, /E2E_FILE_YEARLY id=\d+ created/);
    const again = await h.runTool('tools/report_job', define);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /E2E_FILE_YEARLY id=\d+ replayed/);
    const defined = await rp.GetReportRegime({ code: 'E2E_FILE_YEARLY' });
    assert.equal(defined.collector.id, ids['68.SNV']);
    assert.deepEqual(defined.plan_ids, [planId]);
    // The job: every period due by the end of 2020 (2018, 2019, 2020), built or found, exported.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-report-job-'));
    const job = ['--target=' + gw.target, '--token=' + gw.adminToken, '--regime=E2E_FILE_YEARLY',
      `--out=${out}`, '--now=2020-12-31', '--poll_ms=100'];
    const run1 = await h.runTool('tools/report_job', job, 300000);
    assert.equal(run1.code, 0, run1.stderr + run1.stdout);
    const files = (dir) => fs.readdirSync(dir, { recursive: true }).filter((f) => /\.(csv|xlsx|html)$/.test(f)).sort();
    const written = files(out);
    assert.equal(written.length, 9, `three periods × three formats: ${written}`);
    assert.match(run1.stdout, /missing: /, 'the agencies that never reported are listed');
    const mtimes = written.map((f) => fs.statSync(path.join(out, f)).mtimeMs);
    const run2 = await h.runTool('tools/report_job', job, 300000);
    assert.equal(run2.code, 0, run2.stderr + run2.stdout);
    assert.match(run2.stdout, /reused snapshot/);
    assert.doesNotMatch(run2.stdout, /written /);
    assert.deepEqual(written.map((f) => fs.statSync(path.join(out, f)).mtimeMs), mtimes, 'nothing rewritten');
    const bad = await h.runTool('tools/report_job', ['--target=' + gw.target, '--regime=e2e lower', `--out=${out}`]);
    assert.equal(bad.code, 2, 'bad flags');
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('replaces a unit merged during the period by its successor among those who report', async () => {
    const orgs = await client(ORG, gw.adminToken);
    await orgs.MergeOrgUnits({
      request_id: 'rp-merge-2025',
      sources: [{ id: ids['68.STTTT'] }],
      into: { id: ids['68.SKHCN'] },
      effective_date: h.date(2025, 3, 1),
      legal_basis: { act_number: 'E2E/NQ-HĐND', act_date: h.date(2025, 2, 20), issuer: 'HĐND tỉnh Lâm Đồng' },
    });
    const p = await rp.GetReportPeriod({ regime_id: regime.id, year: 2025, as_of: h.date(2025, 12, 1) });
    const ids2025 = p.submitters.map((x) => x.unit.id);
    assert.ok(!ids2025.includes(ids['68.STTTT']), 'the merged unit owes nothing');
    const successor = p.submitters.find((x) => x.unit.id === ids['68.SKHCN']);
    assert.deepEqual(successor.replaces.map((u) => u.id), [ids['68.STTTT']]);
    const p2024 = await rp.GetReportPeriod({ regime_id: regime.id, year: 2024, as_of: h.date(2024, 12, 1) });
    assert.ok(p2024.submitters.some((x) => x.unit.id === ids['68.STTTT']), 'it reported for 2024');
    assert.equal(p2024.submitters.length, p.submitters.length + 1);
  });

  it('agrees with the gateway on every role and method (the authorization matrix)', async () => {
    const roles = {
      admin: gw.adminToken,
      'agency own': await issue('m-stc', ['agency'], ids['68.STC']),
      collector: await issue('m-snv', ['agency'], ids['68.SNV']),
      'agency other': await issue('m-sxd', ['agency'], ids['68.SXD']),
      viewer: await issue('m-viewer', ['viewer']),
      service: await issue('m-service', ['service']),
      reporter: await issue('m-report', ['reporter']),
    };
    const accepted = (await rp.ListSubmissions({ regime_id: regime.id, year: 2019, unit_id: ids['68.STC'] })).submissions[0];
    assert.equal(accepted.status, 'SUBMISSION_STATUS_ACCEPTED');
    const finished = (await rp.ListReportBuilds({ regime_id: regime.id })).builds.find((b) => b.state === 'BUILD_STATE_SUCCEEDED');
    const OK = 0;
    const DENIED = 7;
    const only = (allowed) => (role) => (allowed.includes(role) ? OK : DENIED);
    // Drafts of Sở Tài chính's that the roles then try to change or submit (etags read afresh).
    const draft = (y) => rp.CreateSubmission({ request_id: `m-draft-${y}`, submission: { regime_id: regime.id, year: y, unit: { id: ids['68.STC'] }, narrative: { results: 'x' } } });
    const toChange = await draft(2022);
    const toSubmit = await draft(2021);
    const etag = async (id) => (await rp.GetSubmission({ id })).etag;
    let year = 2040;
    const calls = {
      GetReportPeriod: [(c) => c.GetReportPeriod({ regime_id: regime.id, year: 2019 }), () => OK],
      ListSubmissions: [(c) => c.ListSubmissions({ regime_id: regime.id }), () => OK],
      GetReportSnapshot: [(c) => c.GetReportSnapshot({ id: finished.snapshot_id }), () => OK],
      CreateReportRegime: [(c) => c.CreateReportRegime({ request_id: `m-${++year}`, regime: { ...nq18Regime(ids, planId, regime.reduction_target_ids), code: `E2E_M_${year}` } }),
        only(['admin'])],
      // A draft of Sở Tài chính's, each in a year of its own: its own agency, the collector
      // (a report that came on paper) and admins may.
      CreateSubmission: [(c) => c.CreateSubmission({ request_id: `m-${++year}`, submission: { regime_id: regime.id, year, unit: { id: ids['68.STC'] }, narrative: { results: 'x' } } }),
        only(['admin', 'agency own', 'collector'])],
      // Sở Tài chính's draft: its own agency, the collector and admins may change it and submit
      // it; past the authorization, one submitted already cannot be submitted again (the admin,
      // first, submits it).
      UpdateSubmission: [async (c) => c.UpdateSubmission({ id: toChange.id, etag: await etag(toChange.id), narrative: { results: 'y' } }),
        only(['admin', 'agency own', 'collector'])],
      SubmitSubmission: [async (c) => c.SubmitSubmission({ id: toSubmit.id, etag: await etag(toSubmit.id) }),
        (role) => (role === 'admin' ? OK : ['agency own', 'collector'].includes(role) ? 9 : DENIED)],
      // Past the authorization, an accepted report cannot be reviewed again.
      ReviewSubmission: [(c) => c.ReviewSubmission({ id: accepted.id, etag: accepted.etag, accept: true }),
        (role) => (['admin', 'collector'].includes(role) ? 9 : DENIED)],
      StartReportBuild: [(c) => c.StartReportBuild({ request_id: `m-${++year}`, regime_id: regime.id, year: 2019, reuse_existing: true }),
        only(['admin', 'reporter'])],
      // Past the authorization, a finished build cannot be cancelled.
      CancelReportBuild: [(c) => c.CancelReportBuild({ name: finished.name }),
        (role) => (['admin', 'reporter'].includes(role) ? 9 : DENIED)],
    };
    for (const [role, token] of Object.entries(roles)) {
      const c = await client(RP, token);
      for (const [method, [call, expect]] of Object.entries(calls)) {
        const before = rows();
        const err = await call(c).then(() => null, (e) => e);
        const want = expect(role);
        assert.equal(err ? err.code : OK, want, `${role} ${method}: ${err && err.details}`);
        if (err) assert.equal(rows(), before, `${role} ${method}: refused, nothing written`);
      }
    }
  });

  it('cancels a build, and fails a build naming the service that is down', async () => {
    const started = await rp.StartReportBuild({ request_id: 'to-cancel', regime_id: regime.id, year: 2020 });
    try {
      const cancelled = await rp.CancelReportBuild({ name: started.name });
      assert.equal(cancelled.state, 'BUILD_STATE_CANCELLED');
      await sleep(500);
      const after = await rp.GetReportBuild({ name: started.name });
      assert.equal(after.state, 'BUILD_STATE_CANCELLED', 'a cancelled build never succeeds later');
      assert.equal(after.snapshot_id, '0');
    } catch (err) {
      assert.equal(reason(err), 'BUILD_ENDED', 'only a build that ended already cannot be cancelled');
    }
    await servers.tk.stop();
    servers.tk = null;
    const b = await build({ request_id: 'tasks-down', regime_id: regime.id, year: 2021, as_of: h.date(2021, 11, 30) });
    assert.equal(b.state, 'BUILD_STATE_FAILED');
    assert.equal(b.error.code, 14, 'UNAVAILABLE');
    assert.match(b.error.message, /tasks/);
    assert.equal(b.snapshot_id, '0', 'no report with a section missing');
    // The scheduled job says so and fails.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-report-job-down-'));
    const run = await h.runTool('tools/report_job', ['--target=' + gw.target, '--token=' + gw.adminToken,
      `--regime=${regime.code}`, `--out=${out}`, '--now=2022-12-31', '--poll_ms=100'], 300000);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout + run.stderr, /UNAVAILABLE/);
    assert.match(run.stdout + run.stderr, /tasks/);
    fs.rmSync(out, { recursive: true, force: true });
  });
});

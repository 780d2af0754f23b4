// Leadership posts, deputy caps and streamlining end to end: a real gateway in front of a real
// org registry and a real staffing service (each trusting only principals signed with the shared
// secret), a client that knows the API only through the gateway's reflection. Units (a class II
// province, departments, a division, a merger) go into the registry; posts, a cap rule, a quota
// and streamlining cases into staffing; the check finds the division over its cap under Decree
// 107/2020 and the summary counts the merged department's cases in the department it joined.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const h = require('./harness');

const ORG = 'tinhgon.orgregistry.v1.OrgRegistry';
const ST = 'tinhgon.staffing.v1.Staffing';
const ADMIN = 'tinhgon.gateway.v1.TokenAdmin';
const CS = 'STAFF_CATEGORY_CIVIL_SERVANT';
const DEPUTY = 'POST_LEVEL_DEPUTY';
const skip = h.skipReason();

// The field a failed call names (google.rpc.BadRequest), and its reason (ErrorInfo).
const fieldOf = (err) => {
  const br = h.statusDetails(err).details.find((x) => x['@type'] === 'google.rpc.BadRequest');
  return br ? br.field_violations[0].field : '';
};
const reasonOf = (err) => {
  const info = h.statusDetails(err).details.find((x) => x['@type'] === 'google.rpc.ErrorInfo');
  return info ? info.reason : '';
};
const fails = (p) => p.then(() => null, (e) => e);

describe('staffing: leadership posts, deputy caps, streamlining', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  let org;
  let staffing;
  let gw;
  const clients = [];
  const client = async (service, token) => {
    const c = await h.reflectedClient(gw.target, service, { token });
    clients.push(c);
    return c;
  };
  const basis = (n) => ({ act_number: n, issuer: 'e2e' });
  const ids = {};
  let admin;   // staffing client with the admin token
  let agency;  // staffing client of an agency of department A
  let otherAgency;  // and of department B
  let viewer;

  before(async () => {
    org = await h.startOrgRegistry({ schema: h.freshSchema('lporg'), trustSecret: secret, today: '2022-06-01' });
    staffing = await h.startStaffing({ schema: h.freshSchema('lp'), registry: org.target, trustSecret: secret });
    gw = await h.startGateway({
      schema: h.freshSchema('lpgw'),
      routes: { [ORG]: org.target, [ST]: staffing.target },
      trustSecret: secret,
    });
    const orgs = await client(ORG, gw.adminToken);
    const create = async (name, kind, parent, code, attributes = undefined) => (await orgs.CreateOrgUnit({
      request_id: `lp-${code}`,
      unit: { name, kind, parent_id: parent, code, attributes },
      effective_date: h.date(2015, 1, 1),
      legal_basis: basis('E2E-2015'),
    })).id;
    ids.province = await create('UBND tỉnh Thử', 'ORG_KIND_PROVINCE_COMMITTEE', 0, '96',
      { province_class: 'PROVINCE_CLASS_II' });
    ids.a = await create('Sở A', 'ORG_KIND_DEPARTMENT', ids.province, '96.A');
    ids.b = await create('Sở B', 'ORG_KIND_DEPARTMENT', ids.province, '96.B');
    ids.c = await create('Sở C', 'ORG_KIND_DEPARTMENT', ids.province, '96.C');
    ids.p1 = await create('Phòng Tổ chức', 'ORG_KIND_DIVISION', ids.a, '96.A.P1');
    // C merges into A on 2020-01-01.
    await orgs.MergeOrgUnits({
      request_id: 'lp-merge-c',
      sources: [{ id: ids.c }],
      into: { id: ids.a },
      effective_date: h.date(2020, 1, 1),
      legal_basis: basis('E2E-MERGE-2020'),
    });

    admin = await client(ST, gw.adminToken);
    const tokens = await client(ADMIN, gw.adminToken);
    const issue = async (subject, roles, unit = 0) => (await tokens.IssueToken({
      subject, roles, org_unit_id: unit, ttl: { seconds: '3600' },
    })).bearer_token;
    agency = await client(ST, await issue('so-a', ['agency'], ids.a));
    otherAgency = await client(ST, await issue('so-b', ['agency'], ids.b));
    viewer = await client(ST, await issue('xem', ['viewer']));
  });

  after(async () => {
    for (const c of clients) c.close();
    if (gw) await gw.stop();
    if (staffing) await staffing.stop();
    if (org) await org.stop();
  });

  const post = (unit, title, rid, extra = {}) => ({
    request_id: rid,
    post: { unit: { id: unit }, level: DEPUTY, title, valid_from: h.date(2021, 1, 1), ...extra },
  });

  it('records posts: an agency its own unit\'s only, bad input named, ended by an appended version', async () => {
    const own = await agency.CreateLeadershipPost(post(ids.a, 'Phó Giám đốc Sở A', 'p-a-1', { holder_ref: 'CB-0001' }));
    assert.equal(own.unit.name, 'Sở A');
    assert.equal(own.etag, 'v1');
    assert.equal(own.version, 1);
    assert.equal(own.audit.created_by, '');  // identities are for admins

    // Not its division's: the gateway lets the agency write posts, staffing checks the unit.
    const other = await fails(agency.CreateLeadershipPost(post(ids.p1, 'Phó Trưởng phòng', 'p-a-other')));
    assert.equal(other.code, grpc.status.PERMISSION_DENIED);
    assert.equal(reasonOf(other), 'NOT_OWN_UNIT');
    assert.equal(fieldOf(other), 'post.unit.id');
    // A viewer is refused at the gateway.
    assert.equal((await fails(viewer.CreateLeadershipPost(post(ids.a, 'Phó', 'p-v')))).code, grpc.status.PERMISSION_DENIED);

    const bad = [
      [{ request_id: 'b1', post: { unit: { id: ids.a }, title: 'Phó', valid_from: h.date(2021, 1, 1) } }, 'post.level'],
      [post(ids.a, '', 'b2'), 'post.title'],
      [post(ids.a, 'Phó', 'b3', { valid_to: h.date(2020, 1, 1) }), 'post.valid_to'],
      [post(ids.a, 'Phó', 'b4', { holder_ref: 'Nguyễn Văn A' }), 'post.holder_ref'],
      [post(ids.a, 'Phó', 'b5', { holder_ref: 'CB-0001' }), 'post.holder_ref'],  // the same holder twice
      [post(987654, 'Phó', 'b6'), 'post.unit.id'],
    ];
    for (const [req, field] of bad) {
      const err = await fails(admin.CreateLeadershipPost(req));
      assert.ok(err, `accepted: ${JSON.stringify(req)}`);
      assert.equal(fieldOf(err), field, `${JSON.stringify(req)}: ${err.details}`);
    }
    // The division's two deputies (admin writes any unit's).
    for (const i of [1, 2]) {
      await admin.CreateLeadershipPost(post(ids.p1, 'Phó Trưởng phòng Tổ chức', `p-p1-${i}`));
    }
    const listed = await admin.ListLeadershipPosts({ unit_id: ids.a, include_subtree: true, as_of: h.date(2022, 1, 1) });
    assert.deepEqual(listed.posts.map((p) => p.unit.id).sort(), [ids.a, ids.p1, ids.p1].map(String).sort());

    // The agency ends its post: a second version; the stale etag is refused.
    const ended = await agency.UpdateLeadershipPost({
      request_id: 'end-a-1',
      post: { id: own.id, etag: 'v1', valid_to: h.date(2022, 1, 1), termination: basis('QĐ-thôi') },
      update_mask: { paths: ['valid_to', 'termination'] },
    });
    assert.equal(ended.version, 2);
    assert.deepEqual(ended.valid_to, h.date(2022, 1, 1));
    const stale = await fails(agency.UpdateLeadershipPost({
      request_id: 'end-a-2', post: { id: own.id, etag: 'v1', title: 'x' }, update_mask: { paths: ['title'] },
    }));
    assert.equal(stale.code, grpc.status.ABORTED);
    const held = await admin.ListLeadershipPosts({ unit_id: ids.a, as_of: h.date(2022, 1, 1) });
    assert.equal(held.posts.length, 0);
    const before = await admin.ListLeadershipPosts({ unit_id: ids.a, as_of: h.date(2021, 12, 31) });
    assert.equal(before.posts.length, 1);
  });

  it('keeps cap rules as data, refuses overlapping bands, and finds the division over its cap with its rule and act', async () => {
    const rule = {
      code: 'ND107_2020_DIVISION_OF_DEPARTMENT_II_III',
      legal_basis: { act_number: '107/2020/NĐ-CP', issuer: 'Chính phủ' },
      effective_from: h.date(2020, 11, 25),
      unit_kinds: ['ORG_KIND_DIVISION'],
      parent_kinds: ['ORG_KIND_DEPARTMENT', 'ORG_KIND_AGENCY'],
      province_classes: ['PROVINCE_CLASS_II', 'PROVINCE_CLASS_III'],
      scope: 'CAP_SCOPE_PER_UNIT',
      band_category: CS,
      bands: [{ min_staff: 0, max_staff: 7, max_deputies: 1 }, { min_staff: 7, max_staff: 14, max_deputies: 2 }],
      min_staff: 5,
    };
    const overlap = await fails(admin.CreateDeputyCapRule({ request_id: 'r-overlap', rule }));
    assert.equal(overlap.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(fieldOf(overlap), 'rule.bands[1].min_staff');
    assert.equal((await admin.ListDeputyCapRules({})).rules.length, 0);  // nothing written
    rule.bands[1].min_staff = 8;
    rule.bands.push({ min_staff: 15, max_staff: 0, max_deputies: 3 });
    // Admin only: refused at the gateway for an agency.
    assert.equal((await fails(agency.CreateDeputyCapRule({ request_id: 'r-agency', rule }))).code, grpc.status.PERMISSION_DENIED);
    const made = await admin.CreateDeputyCapRule({ request_id: 'r-ok', rule });
    assert.equal(made.version, 1);
    assert.equal(made.bands[2].max_staff, 0);
    const again = await admin.CreateDeputyCapRule({ request_id: 'r-ok', rule });  // a retry
    assert.equal(again.id, made.id);
    // Thresholds are not edited in place.
    const edit = await fails(admin.UpdateDeputyCapRule({
      request_id: 'r-edit', rule: { id: made.id, etag: 'v1', min_staff: 4 }, update_mask: { paths: ['min_staff'] },
    }));
    assert.equal(fieldOf(edit), 'update_mask.paths[0]');

    // The division: 7 civil servants in 2022, 2 deputies; a class II province allows 1.
    await admin.CreateQuota({
      request_id: 'q-p1-2022',
      quota: { unit: { id: ids.p1 }, year: 2022, category: CS, count: 7, effective_date: h.date(2022, 1, 1), legal_basis: basis('QĐ-2022') },
    });
    const r = await admin.ListDeputyCapViolations({ unit_id: ids.province, as_of: h.date(2022, 6, 1) });
    assert.equal(r.province_class, 'PROVINCE_CLASS_II');
    assert.equal(r.province.id, String(ids.province));
    assert.equal(r.checks.length, 1, JSON.stringify(r.checks));
    const c = r.checks[0];
    assert.equal(c.unit.id, String(ids.p1));
    assert.equal(c.unit.name, 'Phòng Tổ chức');
    assert.equal(c.kind, 'ORG_KIND_DIVISION');
    assert.equal(c.violation, 'VIOLATION_KIND_OVER_UNIT_CAP');
    assert.equal(c.deputies, 2);
    assert.equal(c.staff_count, 7);
    assert.equal(c.max_deputies, 1);
    assert.equal(c.rule_code, 'ND107_2020_DIVISION_OF_DEPARTMENT_II_III');
    assert.equal(c.rule_basis.act_number, '107/2020/NĐ-CP');
    assert.equal(c.rule_id, made.id);
    assert.equal(r.summary.violations, 1);
    assert.equal(r.summary.units_checked, 1);
    // With compliant units, on every page the same summary; before the decree, nothing applies.
    const page = await admin.ListDeputyCapViolations({ unit_id: ids.a, as_of: h.date(2022, 6, 1), include_compliant: true, page_size: 1 });
    assert.equal(page.checks.length, 1);
    assert.equal(page.next_page_token, '');
    const earlier = await admin.ListDeputyCapViolations({ unit_id: ids.province, as_of: h.date(2020, 6, 1) });
    assert.equal(earlier.checks.length, 0);
    assert.equal(earlier.summary.units_checked, 0);
    // Reads are for every role.
    const seen = await viewer.ListDeputyCapViolations({ unit_id: ids.province, as_of: h.date(2022, 6, 1) });
    assert.equal(seen.checks.length, 1);
  });

  it('keeps streamlining policies as data, records cases (an agency its own unit\'s), and sums them with the merged unit\'s', async () => {
    const policies = await admin.ListStreamliningPolicies({});
    assert.deepEqual(policies.policies.map((p) => p.code),
      ['ND108_2014', 'ND113_2018', 'ND143_2020', 'ND29_2023', 'ND178_2024']);
    const later = await admin.CreateStreamliningPolicy({
      request_id: 'pol-154',
      policy: { code: 'ND154_2025', act: { act_number: '154/2025/NĐ-CP', issuer: 'Chính phủ' }, effective_from: h.date(2025, 6, 15) },
    });
    assert.equal(later.code, 'ND154_2025');
    assert.equal((await fails(agency.CreateStreamliningPolicy({
      request_id: 'pol-agency', policy: { code: 'X1', act: basis('x'), effective_from: h.date(2025, 1, 1) },
    }))).code, grpc.status.PERMISSION_DENIED);

    const kase = (unit, day, policy, persons, cost, rid) => ({
      request_id: rid,
      streamlining_case: {
        unit: { id: unit }, effective_date: day, policy_code: policy, form: 'STREAMLINING_FORM_EARLY_RETIREMENT',
        category: CS, person_count: persons, cost_vnd: String(cost), round: 1, decision: basis(`QĐ-${rid}`),
      },
    });
    // C's case, recorded on C for 2019 (C was active then).
    const c19 = await admin.CreateStreamliningCase(kase(ids.c, h.date(2019, 6, 30), 'ND108_2014', 2, 500000000, 'k-c-2019'));
    assert.equal(c19.year, 2019);
    assert.equal(c19.policy_act.act_number, '108/2014/NĐ-CP');
    // The agency records its own unit's, not another's.
    const a21 = await agency.CreateStreamliningCase(kase(ids.a, h.date(2021, 6, 30), 'ND143_2020', 1, 300000000, 'k-a-2021'));
    assert.equal(a21.person_count, 1);
    const other = await fails(agency.CreateStreamliningCase(kase(ids.b, h.date(2021, 6, 30), 'ND143_2020', 1, 0, 'k-b')));
    assert.equal(other.code, grpc.status.PERMISSION_DENIED);
    assert.equal(reasonOf(other), 'NOT_OWN_UNIT');
    await admin.CreateStreamliningCase(kase(ids.b, h.date(2019, 12, 31), 'ND113_2018', 4, 800000000, 'k-b-2019'));

    const bad = [
      [kase(ids.a, h.date(2021, 6, 30), 'ND999', 1, 0, 'kb1'), 'streamlining_case.policy_code'],
      [kase(ids.a, h.date(2021, 6, 30), 'ND143_2020', 0, 0, 'kb2'), 'streamlining_case.person_count'],
      [kase(ids.a, h.date(2021, 6, 30), 'ND143_2020', 1, -5, 'kb3'), 'streamlining_case.cost_vnd'],
      [kase(ids.a, h.date(2014, 6, 30), 'ND108_2014', 1, 0, 'kb4'), 'streamlining_case.effective_date'],
      [kase(ids.c, h.date(2021, 6, 30), 'ND143_2020', 1, 0, 'kb5'), 'streamlining_case.unit.id'],  // merged away
    ];
    for (const [req, field] of bad) {
      const err = await fails(admin.CreateStreamliningCase(req));
      assert.ok(err, `accepted: ${JSON.stringify(req)}`);
      assert.equal(fieldOf(err), field, `${JSON.stringify(req)}: ${err.details}`);
    }
    const listed = await admin.ListStreamliningCases({ unit_id: ids.province, include_subtree: true });
    assert.equal(listed.cases.length, 3);
    assert.equal(Number(listed.total_persons), 7);

    // The agency corrects its case: a second version; the sum follows.
    await agency.UpdateStreamliningCase({
      request_id: 'k-a-2021-fix',
      streamlining_case: { id: a21.id, etag: 'v1', person_count: 2, cost_vnd: '600000000' },
      update_mask: { paths: ['person_count', 'cost_vnd'] },
    });
    const s = await admin.SummarizeStreamlining({ unit_id: ids.province });
    assert.equal(Number(s.total_persons), 8);
    assert.equal(Number(s.total_cost_vnd), 1900000000);
    assert.deepEqual(s.rows.map((r) => [r.year, r.policy_code, Number(r.person_count)]),
      [[2019, 'ND108_2014', 2], [2019, 'ND113_2018', 4], [2021, 'ND143_2020', 2]]);
    const a = s.by_unit.find((u) => u.unit.id === String(ids.a));
    assert.ok(a, JSON.stringify(s.by_unit));
    assert.equal(Number(a.person_count), 4);  // its own 2 and merged C's 2
    assert.deepEqual(a.merged_from.map((u) => [u.id, u.name]), [[String(ids.c), 'Sở C']]);
    // A's subtree alone counts C's cases too; a year range narrows it.
    const onlyA = await admin.SummarizeStreamlining({ unit_id: ids.a });
    assert.equal(Number(onlyA.total_persons), 4);
    const y2019 = await admin.SummarizeStreamlining({ unit_id: ids.province, from_year: 2019, to_year: 2019 });
    assert.equal(Number(y2019.total_persons), 6);
    const badYears = await fails(admin.SummarizeStreamlining({ unit_id: ids.province, from_year: 2021, to_year: 2019 }));
    assert.equal(fieldOf(badYears), 'to_year');
  });

  it('lets no other agency change A\'s posts or streamlining cases', async () => {
    const p = await agency.CreateLeadershipPost(post(ids.a, 'Phó Giám đốc Sở A (2)', 'p-a-guard'));
    const k = await agency.CreateStreamliningCase({
      request_id: 'k-a-guard',
      streamlining_case: {
        unit: { id: ids.a }, effective_date: h.date(2021, 3, 31), policy_code: 'ND143_2020', form: 'STREAMLINING_FORM_EARLY_RETIREMENT',
        category: CS, person_count: 1, cost_vnd: '0', round: 1, decision: basis('QĐ-k-a-guard'),
      },
    });
    const refusedPost = await fails(otherAgency.UpdateLeadershipPost({
      request_id: 'p-a-guard-by-b', post: { id: p.id, etag: p.etag, title: 'x' }, update_mask: { paths: ['title'] },
    }));
    assert.equal(refusedPost.code, grpc.status.PERMISSION_DENIED, refusedPost.details);
    const refusedCase = await fails(otherAgency.UpdateStreamliningCase({
      request_id: 'k-a-guard-by-b', streamlining_case: { id: k.id, etag: k.etag, person_count: 9 }, update_mask: { paths: ['person_count'] },
    }));
    assert.equal(refusedCase.code, grpc.status.PERMISSION_DENIED, refusedCase.details);
    // Nor write them anew for A.
    assert.equal((await fails(otherAgency.CreateLeadershipPost(post(ids.a, 'Phó Giám đốc', 'p-a-by-b')))).code, grpc.status.PERMISSION_DENIED);
    assert.equal((await admin.GetLeadershipPost({ id: p.id })).etag, p.etag);
    assert.equal((await admin.GetStreamliningCase({ id: k.id })).etag, k.etag);
  });
});

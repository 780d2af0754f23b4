// Staffing end to end: a real gateway in front of a real org registry and a real staffing
// service (each trusting only principals signed with the shared secret), a client that knows the
// API only through the gateway's reflection. Units and a consolidation go into the registry;
// quotas, headcounts and a target into staffing; the reduction is computed across the lineage.
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
const skip = h.skipReason();

describe('staffing', { skip: skip || false }, () => {
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
  let admin;       // staffing client with the admin token
  let agencyToken; // an agency of unit A
  let otherAgencyToken; // an agency of unit BC
  let viewerToken;
  let serviceToken;
  const quotaIds = {};

  before(async () => {
    org = await h.startOrgRegistry({ schema: h.freshSchema('storg'), trustSecret: secret, today: '2022-06-01' });
    staffing = await h.startStaffing({ schema: h.freshSchema('st'), registry: org.target, trustSecret: secret });
    gw = await h.startGateway({
      schema: h.freshSchema('stgw'),
      routes: { [ORG]: org.target, [ST]: staffing.target },
      trustSecret: secret,
    });
    const orgs = await client(ORG, gw.adminToken);
    const create = async (name, kind, parent, code) => (await orgs.CreateOrgUnit({
      request_id: `st-${code}`,
      unit: { name, kind, parent_id: parent, code },
      effective_date: h.date(2015, 1, 1),
      legal_basis: basis('E2E-2015'),
    })).id;
    ids.province = await create('UBND tỉnh Thử', 'ORG_KIND_PROVINCE_COMMITTEE', 0, '98');
    ids.a = await create('Sở A', 'ORG_KIND_DEPARTMENT', ids.province, '98.A');
    ids.b = await create('Sở B', 'ORG_KIND_DEPARTMENT', ids.province, '98.B');
    ids.c = await create('Sở C', 'ORG_KIND_DEPARTMENT', ids.province, '98.C');
    // B and C consolidate into a new department BC on 2019-01-01.
    const merged = await orgs.MergeOrgUnits({
      request_id: 'st-merge-bc',
      sources: [{ id: ids.b }, { id: ids.c }],
      new_unit: { name: 'Sở B và C', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province, code: '98.BC' },
      effective_date: h.date(2019, 1, 1),
      legal_basis: basis('E2E-MERGE-2019'),
    });
    ids.bc = merged.successors[0].id;

    admin = await client(ST, gw.adminToken);
    const tokens = await client(ADMIN, gw.adminToken);
    const issue = async (subject, roles, unit = 0) => (await tokens.IssueToken({
      subject, roles, org_unit_id: unit, ttl: { seconds: '3600' },
    })).bearer_token;
    agencyToken = await issue('so-a', ['agency'], ids.a);
    otherAgencyToken = await issue('so-bc', ['agency'], ids.bc);
    viewerToken = await issue('xem', ['viewer']);
    serviceToken = await issue('he-thong-khac', ['service']);
  });

  after(async () => {
    for (const c of clients) c.close();
    if (gw) await gw.stop();
    if (staffing) await staffing.stop();
    if (org) await org.stop();
  });

  const quota = (unit, year, count, rid) => admin.CreateQuota({
    request_id: rid,
    quota: {
      unit: { id: unit }, year, category: CS, count,
      effective_date: h.date(year, 1, 1), legal_basis: basis(`QĐ-${year}`),
    },
  });

  it('is listed and described through the gateway reflection', async () => {
    const services = await h.listServices(gw.target);
    assert.ok(services.includes(ST), services.join(','));
  });

  it('reads every lineage edge of a period in one call (what the baseline follows)', async () => {
    const orgs = await client(ORG, viewerToken);
    const r = await orgs.ListLineageEdges({ from_date: h.date(2016, 1, 1), to_date: h.date(2021, 12, 31) });
    assert.deepEqual(r.edges.map((e) => [e.kind, e.predecessor.id, e.successor.id, e.share]).sort(),
      [['CHANGE_KIND_CONSOLIDATE', String(ids.b), String(ids.bc), 1],
        ['CHANGE_KIND_CONSOLIDATE', String(ids.c), String(ids.bc), 1]].sort());
    const none = await orgs.ListLineageEdges({ from_date: h.date(2020, 1, 1) });
    assert.equal(none.edges.length, 0);
    await assert.rejects(orgs.ListLineageEdges({ from_date: h.date(2020, 1, 1), to_date: h.date(2019, 1, 1) }),
      (e) => e.code === grpc.status.INVALID_ARGUMENT);
  });

  it('records quotas and refuses allotting children more than their parent, with a QuotaFailure', async () => {
    for (const [unit, y, n] of [['province', 2015, 300], ['a', 2015, 100], ['b', 2015, 80], ['c', 2015, 60],
      ['province', 2021, 250], ['a', 2021, 95], ['bc', 2021, 125]]) {
      const q = await quota(ids[unit], y, n, `q-${unit}-${y}`);
      quotaIds[`${unit}${y}`] = q.id;
      assert.equal(q.count, n);
      assert.equal(q.version, 1);
      assert.equal(q.etag, 'v1');
    }
    const p = await admin.GetQuota({ id: quotaIds.province2021 });
    assert.equal(p.allocated_to_children, 220);
    assert.equal(p.remaining, 30);

    const before = await admin.ListQuotas({ unit_id: ids.province, include_subtree: true, year: 2021 });
    const err = await admin.UpdateQuota({
      request_id: 'too-much',
      quota: { id: quotaIds.a2021, etag: 'v1', count: 130 },
      update_mask: { paths: ['count'] },
    }).then(() => null, (e) => e);
    assert.ok(err, 'the update was accepted');
    assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED);
    const d = h.statusDetails(err);
    const qf = d.details.find((x) => x['@type'] === 'google.rpc.QuotaFailure');
    assert.ok(qf, JSON.stringify(d));
    assert.equal(qf.violations[0].subject, `unit ${ids.province} / 2021 / CIVIL_SERVANT`);
    assert.equal(qf.violations[0].description, "parent allotment 250, children's sum 255, excess 5");
    const br = d.details.find((x) => x['@type'] === 'google.rpc.BadRequest');
    assert.equal(br.field_violations[0].field, 'quota.count');
    const after = await admin.ListQuotas({ unit_id: ids.province, include_subtree: true, year: 2021 });
    assert.deepEqual(after.quotas.map((q) => [q.id, q.count, q.version]),
      before.quotas.map((q) => [q.id, q.count, q.version]));
  });

  it('names the field of bad input and writes nothing', async () => {
    const cases = [
      [{ unit: { id: ids.a }, year: 2020, category: CS, count: -3, legal_basis: basis('x') }, 'quota.count'],
      [{ unit: { id: ids.a }, year: 1990, category: CS, count: 3, legal_basis: basis('x') }, 'quota.year'],
      [{ unit: { id: ids.a }, year: 2020, count: 3, legal_basis: basis('x') }, 'quota.category'],
      [{ unit: { id: ids.a }, year: 2020, category: CS, count: 3 }, 'quota.legal_basis.act_number'],
      [{ unit: { id: ids.a }, year: 2020, category: 'STAFF_CATEGORY_COMMUNE_OFFICIAL', count: 3, legal_basis: basis('x') }, 'quota.category'],
      [{ unit: { id: 987654 }, year: 2020, category: CS, count: 3, legal_basis: basis('x') }, 'quota.unit.id'],
    ];
    for (const [q, field] of cases) {
      const err = await admin.CreateQuota({ request_id: `bad-${field}-${q.count}-${q.year}`, quota: q })
        .then(() => null, (e) => e);
      assert.ok(err, `accepted: ${JSON.stringify(q)}`);
      const br = h.statusDetails(err).details.find((x) => x['@type'] === 'google.rpc.BadRequest');
      assert.equal(br && br.field_violations[0].field, field, `${JSON.stringify(q)}: ${err.details}`);
    }
    const all = await admin.ListQuotas({ year: 2020 });
    assert.equal(all.quotas.length, 0);
  });

  it('carries the 2015 baseline across the consolidation and measures against the target', async () => {
    const target = await admin.CreateReductionTarget({
      request_id: 'nq18',
      target: {
        name: 'NQ 18: 10% by 2021', scope: { id: ids.province }, categories: [CS],
        base_year: 2015, target_year: 2021, min_reduction_bp: 1000,
        slices: [{ year: 2018, min_reduction_bp: 170 }], legal_basis: basis('18-NQ/TW'),
      },
    });
    const r = await admin.ComputeReduction({
      unit_id: ids.province, year: 2021, target_id: target.id, include_units: true,
    });
    assert.equal(r.categories.length, 1);
    const c = r.categories[0];
    assert.equal(Number(c.baseline), 300);
    assert.equal(Number(c.current), 250);
    assert.equal(c.reduction_bp, 1666);
    assert.equal(c.required_bp, 1000);
    assert.equal(c.met, true);
    const bc = r.units.find((u) => u.unit.id === String(ids.bc));
    assert.ok(bc, JSON.stringify(r.units.map((u) => u.unit)));
    assert.equal(bc.baseline, 140);  // B's 80 + C's 60
    assert.deepEqual(bc.contributions.map((x) => [Number(x.base_unit.id), x.baseline]).sort((x, y) => x[0] - y[0]),
      [[Number(ids.b), 80], [Number(ids.c), 60]].sort((x, y) => x[0] - y[0]));
    assert.match(bc.contributions[0].path[0], /^CONSOLIDATE #\d+ 2019-01-01/);
    assert.equal(bc.behind, false);  // 140 → 125: 10.7%
    const a = r.units.find((u) => u.unit.id === String(ids.a));
    assert.equal(a.behind, true);    // 100 → 95: 5%
    assert.deepEqual(r.units_behind.map((u) => u.id), [String(ids.a)]);

    // A later decision raises the requirement to 20%: the report says behind now, and the
    // report as known before the decision still says met.
    const ms = Date.now();
    const before = { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
    await new Promise((res) => setTimeout(res, 50));
    const raised = await admin.UpdateReductionTarget({
      request_id: 'nq18-raise',
      target: { id: target.id, etag: target.etag, min_reduction_bp: 2000 },
      update_mask: { paths: ['min_reduction_bp'] },
    });
    assert.equal(raised.version, 2);
    assert.equal(raised.name, target.name);
    const stale = await admin.UpdateReductionTarget({
      request_id: 'nq18-stale',
      target: { id: target.id, etag: target.etag, min_reduction_bp: 500 },
      update_mask: { paths: ['min_reduction_bp'] },
    }).then(() => null, (e) => e);
    assert.equal(stale && stale.code, grpc.status.ABORTED);
    const now = await admin.ComputeReduction({ unit_id: ids.province, year: 2021, target_id: target.id });
    assert.equal(now.categories[0].required_bp, 2000);
    assert.equal(now.categories[0].met, false);
    const then = await admin.ComputeReduction({
      unit_id: ids.province, year: 2021, target_id: target.id, known_at: before,
    });
    assert.equal(then.categories[0].required_bp, 1000);
    assert.equal(then.categories[0].met, true);
    const old = await admin.GetReductionTarget({ id: target.id, known_at: before });
    assert.equal(old.min_reduction_bp, 1000);
    assert.equal(old.version, 1);
  });

  it('appends corrections; a read as known earlier gives the earlier numbers', async () => {
    const ms = Date.now();
    const knownAt = { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
    await new Promise((res) => setTimeout(res, 50));
    const fixed = await admin.UpdateQuota({
      request_id: 'fix-a-2021',
      quota: { id: quotaIds.a2021, etag: 'v1', count: 90 },
      update_mask: { paths: ['count'] },
    });
    assert.equal(fixed.version, 2);
    assert.equal(fixed.count, 90);
    const now = await admin.ComputeReduction({ unit_id: ids.a, year: 2021 });
    assert.equal(Number(now.categories[0].current), 90);
    const then = await admin.ComputeReduction({ unit_id: ids.a, year: 2021, known_at: knownAt });
    assert.equal(Number(then.categories[0].current), 95);
    const old = await admin.GetQuota({ id: quotaIds.a2021, known_at: knownAt });
    assert.equal(old.count, 95);
    assert.equal(old.version, 1);
    // The stale etag is refused.
    await assert.rejects(admin.UpdateQuota({
      request_id: 'fix-a-2021-again', quota: { id: quotaIds.a2021, etag: 'v1', count: 80 },
      update_mask: { paths: ['count'] },
    }), (e) => e.code === grpc.status.ABORTED);
  });

  it('agrees with the gateway on who may write what (authorization matrix)', async () => {
    const headcount = (unit, day, rid) => ({
      request_id: rid,
      snapshot: { unit: { id: unit }, category: CS, counted_on: h.date(2021, 12, day), count: 97, source: 'e2e' },
    });
    const roles = {
      agency: await client(ST, agencyToken),
      viewer: await client(ST, viewerToken),
      service: await client(ST, serviceToken),
    };
    for (const [name, c] of Object.entries(roles)) {
      // Reads: everyone.
      const list = await c.ListQuotas({ unit_id: ids.province, include_subtree: true, year: 2021, categories: [CS] });
      assert.equal(list.quotas.length, 3, name);
      // Quotas and targets: admin only, refused at the gateway.
      await assert.rejects(c.CreateQuota({ request_id: `${name}-q`, quota: { unit: { id: ids.a }, year: 2022, category: CS, count: 1, legal_basis: basis('x') } }),
        (e) => e.code === grpc.status.PERMISSION_DENIED, name);
      await assert.rejects(c.CreateReductionTarget({ request_id: `${name}-t`, target: { name: 'x' } }),
        (e) => e.code === grpc.status.PERMISSION_DENIED, name);
      await assert.rejects(c.UpdateReductionTarget({ request_id: `${name}-ut`, target: { id: 1, etag: 'v1', name: 'x' }, update_mask: { paths: ['name'] } }),
        (e) => e.code === grpc.status.PERMISSION_DENIED, name);
    }
    // Headcounts: an agency its own unit's; others' refused by staffing; viewers not at all.
    const own = await roles.agency.CreateHeadcount(headcount(ids.a, 31, 'h-own'));
    assert.equal(own.count, 97);
    const other = await roles.agency.CreateHeadcount(headcount(ids.bc, 31, 'h-other')).then(() => null, (e) => e);
    assert.equal(other.code, grpc.status.PERMISSION_DENIED);
    assert.equal(h.statusDetails(other).details.find((x) => x['@type'] === 'google.rpc.ErrorInfo').reason, 'NOT_OWN_UNIT');
    // Nor may another agency change A's: refused by staffing, nothing changed.
    const otherAgency = await client(ST, otherAgencyToken);
    const changeOwn = await otherAgency.UpdateHeadcount({
      request_id: 'h-own-by-other', snapshot: { id: own.id, etag: own.etag, count: 1 }, update_mask: { paths: ['count'] },
    }).then(() => null, (e) => e);
    assert.equal(changeOwn && changeOwn.code, grpc.status.PERMISSION_DENIED);
    assert.equal((await admin.ListHeadcounts({ unit_id: ids.a })).snapshots[0].etag, own.etag);
    await assert.rejects(roles.viewer.CreateHeadcount(headcount(ids.a, 30, 'h-viewer')),
      (e) => e.code === grpc.status.PERMISSION_DENIED);
    await assert.rejects(roles.service.CreateHeadcount(headcount(ids.a, 29, 'h-service')),
      (e) => e.code === grpc.status.PERMISSION_DENIED);
    const counted = await admin.ListHeadcounts({ unit_id: ids.province, include_subtree: true });
    assert.deepEqual(counted.snapshots.map((s) => [s.unit.id, s.count]), [[String(ids.a), 97]]);
    // Over-staffed is allowed and shown.
    const q = await admin.GetQuota({ id: quotaIds.a2021 });
    assert.equal(q.actual, 97);
    assert.equal(q.over_staffed, 7);
  });

  it('divides the baseline of a split that named no shares by the parts\' allotments, and says so', async () => {
    const PE = 'STAFF_CATEGORY_PUBLIC_EMPLOYEE';
    const orgs = await client(ORG, gw.adminToken);
    const d = (await orgs.CreateOrgUnit({
      request_id: 'st-d', unit: { name: 'Sở D', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province, code: '98.D' },
      effective_date: h.date(2015, 1, 1), legal_basis: basis('E2E-2015'),
    })).id;
    const split = await orgs.SplitOrgUnit({
      request_id: 'st-split-d', source: { id: d },
      parts: [{ unit: { name: 'Sở D1', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province, code: '98.D1' } },
        { unit: { name: 'Sở D2', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province, code: '98.D2' } }],
      effective_date: h.date(2020, 1, 1), legal_basis: basis('E2E-SPLIT-2020'),
    });
    const [d1, d2] = split.successors.map((u) => u.id);
    const pe = (unit, year, count) => admin.CreateQuota({
      request_id: `pe-${unit}-${year}`,
      quota: { unit: { id: unit }, year, category: PE, count, effective_date: h.date(year, 1, 1), legal_basis: basis('x') },
    });
    await pe(d, 2015, 50);
    await pe(d1, 2021, 30);
    await pe(d2, 2021, 15);
    const edges = await orgs.ListLineageEdges({ from_date: h.date(2020, 1, 1), to_date: h.date(2020, 1, 1) });
    assert.deepEqual(edges.edges.map((e) => e.share_recorded), [false, false]);
    const r = await admin.ComputeReduction({ unit_id: ids.province, year: 2021, categories: [PE], include_units: true });
    const row = (id) => r.units.find((u) => u.unit.id === String(id));
    assert.equal(row(d1).baseline, 33);  // 50 × 30/45
    assert.equal(row(d2).baseline, 17);  // 50 × 15/45
    assert.equal(row(d1).contributions[0].split_method, 'allotment');
    assert.equal(Number(r.categories[0].baseline), 50);
    assert.equal(Number(r.categories[0].current), 45);
  });

  it('says UNAVAILABLE naming the registry when it is down, never a wrong number', async () => {
    await org.stop();
    org = null;
    const err = await admin.GetQuota({ id: quotaIds.province2021 }).then(() => null, (e) => e);
    assert.ok(err);
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.match(err.details, /org-registry/);
    await assert.rejects(admin.ComputeReduction({ unit_id: ids.province, year: 2021 }),
      (e) => e.code === grpc.status.UNAVAILABLE);
  });
});

// The org registry end to end: a real server, a real PostgreSQL, a client that knows the API
// only through server reflection.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const skip = h.skipReason();

describe('org registry', { skip: skip || false }, () => {
  let server;
  let orgs;
  const basis = { act_number: 'x' };
  const ids = {};

  before(async () => {
    server = await h.startOrgRegistry({ schema: h.freshSchema('org') });
    orgs = await h.reflectedClient(server.target, SVC);
  });

  after(async () => {
    if (orgs) orgs.close();
    if (server) await server.stop();
  });

  it('lists its services through reflection', async () => {
    const services = await h.listServices(server.target);
    assert.ok(services.includes(SVC), `services: ${services}`);
    assert.ok(services.includes('grpc.health.v1.Health'), `services: ${services}`);
  });

  it('answers health checks as SERVING', async () => {
    assert.equal(await h.healthServing(server.target), true);
  });

  // grpcurl (and any reflection client) needs the descriptor of every listed service, e.g. for
  // `grpcurl -plaintext HOST grpc.health.v1.Health/Check`. gRPC C++ serves health without
  // linking its descriptor: the server must pull health.proto's generated code in itself.
  it('describes grpc.health.v1.Health through reflection', async () => {
    const health = await h.reflectedClient(server.target, 'grpc.health.v1.Health');
    try {
      const res = await health.Check({ service: '' });
      assert.equal(res.status, 'SERVING');
    } finally {
      health.close();
    }
  });

  it('creates a province committee and a department under it', async () => {
    const province = await orgs.CreateOrgUnit({
      request_id: 'e2e-province',
      unit: {
        code: '68', name: 'UBND tỉnh Lâm Đồng', short_name: 'Lâm Đồng',
        kind: 'ORG_KIND_PROVINCE_COMMITTEE',
        attributes: { province_class: 'PROVINCE_CLASS_II', area_km2: 9781.2, population: '1312900', mountainous: true },
      },
      effective_date: h.date(2018, 1, 1),
      legal_basis: basis,
    });
    assert.ok(Number(province.id) > 0, JSON.stringify(province));
    assert.equal(province.name, 'UBND tỉnh Lâm Đồng');
    assert.equal(province.kind, 'ORG_KIND_PROVINCE_COMMITTEE');
    assert.equal(province.level, 'ADMIN_LEVEL_PROVINCE');
    assert.equal(Number(province.parent_id), 0);
    ids.province = province.id;

    const dept = await orgs.CreateOrgUnit({
      request_id: 'e2e-snv',
      unit: { code: '68.SNV', name: 'Sở Nội vụ', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province },
      effective_date: h.date(2018, 1, 1),
      legal_basis: basis,
    });
    assert.equal(dept.parent_id, ids.province);
    assert.equal(dept.kind, 'ORG_KIND_DEPARTMENT');
    ids.snv = dept.id;

    const other = await orgs.CreateOrgUnit({
      request_id: 'e2e-stp',
      unit: { code: '68.STP', name: 'Sở Tư pháp', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province },
      effective_date: h.date(2018, 1, 1),
      legal_basis: basis,
    });
    ids.stp = other.id;
  });

  it('returns the first result for a retried request_id', async () => {
    const again = await orgs.CreateOrgUnit({
      request_id: 'e2e-snv',
      unit: { code: '68.SNV', name: 'Sở Nội vụ', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province },
      effective_date: h.date(2018, 1, 1),
      legal_basis: basis,
    });
    assert.equal(again.id, ids.snv);
    const list = await orgs.ListOrgUnits({ parent_id: ids.province, as_of: h.date(2019, 1, 1) });
    assert.equal(list.units.length, 2, JSON.stringify(list.units.map((u) => u.name)));
  });

  it('gets a unit as of a date', async () => {
    const u = await orgs.GetOrgUnit({ id: ids.snv, as_of: h.date(2018, 6, 1) });
    assert.equal(u.id, ids.snv);
    assert.equal(u.name, 'Sở Nội vụ');
    assert.equal(u.code, '68.SNV');
    assert.equal(u.parent_id, ids.province);
    assert.equal(u.state, 'UNIT_STATE_ACTIVE');
    assert.deepEqual({ ...u.valid_from }, h.date(2018, 1, 1));
  });

  it('finds a unit by name without diacritics', async () => {
    const res = await orgs.ListOrgUnits({ name_query: 'so noi vu', as_of: h.date(2018, 6, 1) });
    assert.deepEqual(res.units.map((u) => u.name), ['Sở Nội vụ']);
    const byCode = await orgs.ListOrgUnits({ code: '68', as_of: h.date(2018, 6, 1) });
    assert.deepEqual(byCode.units.map((u) => u.id), [ids.province]);
  });

  it('does not know the unit before its effective date', async () => {
    await assert.rejects(orgs.GetOrgUnit({ id: ids.snv, as_of: h.date(2017, 12, 31) }),
      (err) => err.code === 5 /* NOT_FOUND */);
  });

  it('rejects an empty name with INVALID_ARGUMENT and a BadRequest naming unit.name', async () => {
    let caught;
    try {
      await orgs.CreateOrgUnit({
        request_id: 'e2e-bad',
        unit: { code: '68.BAD', name: '', kind: 'ORG_KIND_DEPARTMENT', parent_id: ids.province },
        effective_date: h.date(2018, 1, 1),
        legal_basis: basis,
      });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught, 'the create succeeded');
    assert.equal(caught.code, 3, `code ${caught.code}: ${caught.details}`);
    const st = h.statusDetails(caught);
    assert.ok(st, 'no grpc-status-details-bin');
    assert.equal(st.code, 3);
    const bad = st.details.find((d) => d['@type'] === 'google.rpc.BadRequest');
    assert.ok(bad, `details: ${JSON.stringify(st.details)}`);
    assert.ok(bad.field_violations.some((v) => v.field === 'unit.name'),
      `violations: ${JSON.stringify(bad.field_violations)}`);
    // People get a Vietnamese message (architecture.md, API conventions).
    const vi = st.details.find((d) => d['@type'] === 'google.rpc.LocalizedMessage');
    assert.ok(vi && vi.locale.startsWith('vi') && vi.message.length > 0, `details: ${JSON.stringify(st.details)}`);
  });

  it('answers NOT_FOUND for an unknown id', async () => {
    await assert.rejects(orgs.GetOrgUnit({ id: '987654321' }), (err) => err.code === 5);
  });
});

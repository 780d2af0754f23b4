// The registry's history end to end, as an administrator would record it with grpcurl: through
// the gateway, with a client that knows the API only from reflection. Lâm Đồng's own changes:
// three districts consolidated into one (1/12/2024), then the end of the district level
// (1/7/2025); the tree, counts and lineage are then read as of dates before and after.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const skip = h.skipReason();

// Reads a server stream to its end through the raw client; resolves with every message.
describe('history of Lâm Đồng through the gateway', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  let org;
  let gw;
  let orgs;
  const basis = (act, y, m, d) => ({ act_number: act, act_date: h.date(y, m, d), issuer: 'e2e' });
  const id = {};

  before(async () => {
    org = await h.startOrgRegistry({ schema: h.freshSchema('hist'), trustSecret: secret, today: '2026-01-01' });
    gw = await h.startGateway({ schema: h.freshSchema('histgw'), routes: { [SVC]: org.target }, trustSecret: secret });
    orgs = await h.reflectedClient(gw.target, SVC, { token: gw.adminToken });
    const create = async (key, unit) => {
      const u = await orgs.CreateOrgUnit({
        request_id: `hist-${key}`, unit, effective_date: h.date(2018, 1, 1),
        legal_basis: basis('SEED-2018', 2018, 1, 1),
      });
      id[key] = u.id;
    };
    await create('province', { code: '68', name: 'UBND tỉnh Lâm Đồng', kind: 'ORG_KIND_PROVINCE_COMMITTEE' });
    for (const [key, code, name] of [['dahuoai', '681', 'UBND huyện Đạ Huoai'], ['dateh', '682', 'UBND huyện Đạ Tẻh'],
      ['cattien', '683', 'UBND huyện Cát Tiên'], ['lamha', '676', 'UBND huyện Lâm Hà']]) {
      await create(key, { code, name, kind: 'ORG_KIND_DISTRICT_COMMITTEE', parent_id: id.province });
      await create(`${key}-x1`, { name: `UBND xã Một ${name}`, kind: 'ORG_KIND_COMMUNE_COMMITTEE', parent_id: id[key] });
      await create(`${key}-x2`, { name: `UBND xã Hai ${name}`, kind: 'ORG_KIND_COMMUNE_COMMITTEE', parent_id: id[key] });
      await create(`${key}-pnv`, { name: `Phòng Nội vụ ${name}`, kind: 'ORG_KIND_DIVISION', parent_id: id[key] });
    }
  });

  after(async () => {
    if (orgs) orgs.close();
    if (gw) await gw.stop();
    if (org) await org.stop();
  });

  it('consolidates three districts into a new one that keeps a predecessor\'s code', async () => {
    const res = await orgs.MergeOrgUnits({
      request_id: 'hist-2024-consolidation',
      sources: [{ id: id.dahuoai }, { id: id.dateh }, { id: id.cattien }],
      new_unit: { code: '681', name: 'UBND huyện Đạ Huoai', kind: 'ORG_KIND_DISTRICT_COMMITTEE', parent_id: id.province },
      effective_date: h.date(2024, 12, 1),
      legal_basis: basis('1232/NQ-UBTVQH15', 2024, 10, 24),
    });
    assert.equal(res.change.kind, 'CHANGE_KIND_CONSOLIDATE');
    assert.equal(res.units_ended, 3);
    assert.equal(res.units_moved, 9);  // six communes and three divisions
    id.newdahuoai = res.successors[0].id;
    const commune = await orgs.GetOrgUnit({ id: id['dateh-x1'], as_of: h.date(2024, 12, 1) });
    assert.equal(commune.parent_id, id.newdahuoai);
    const gone = await orgs.GetOrgUnit({ id: id.dateh, as_of: h.date(2025, 1, 1) });
    assert.equal(gone.state, 'UNIT_STATE_MERGED');
  });

  it('ends the district level: communes move to the province, divisions end', async () => {
    const res = await orgs.EndLevel({
      request_id: 'hist-2025-end-level', root_id: id.province, kind: 'ORG_KIND_DISTRICT_COMMITTEE',
      effective_date: h.date(2025, 7, 1), legal_basis: basis('202/2025/QH15', 2025, 6, 12),
    });
    assert.equal(res.change.kind, 'CHANGE_KIND_END_LEVEL');
    assert.equal(res.units_moved, 8);   // every commune
    assert.equal(res.units_ended, 6);   // two districts and four divisions
    const commune = await orgs.GetOrgUnit({ id: id['lamha-x2'], as_of: h.date(2025, 7, 1) });
    assert.equal(commune.parent_id, id.province);
    assert.equal(commune.level, 'ADMIN_LEVEL_COMMUNE');
  });

  it('counts focal units at two dates and their difference', async () => {
    const diff = await orgs.DiffCounts({ root_id: id.province, from_date: h.date(2018, 1, 1), to_date: h.date(2025, 7, 1) });
    const kind = (k) => diff.kinds.find((x) => x.kind === k) || { from_count: 0, to_count: 0 };
    assert.equal(kind('ORG_KIND_DISTRICT_COMMITTEE').from_count, 4);
    assert.equal(kind('ORG_KIND_DISTRICT_COMMITTEE').to_count, 0);
    assert.equal(kind('ORG_KIND_COMMUNE_COMMITTEE').to_count, 8);
    assert.equal(kind('ORG_KIND_DIVISION').to_count, 0);
    assert.equal(diff.from_total, 16);
    assert.equal(diff.to_total, 8);
    const mid = await orgs.CountUnits({ root_id: id.province, as_of: h.date(2025, 1, 1) });
    assert.equal(mid.counts.find((x) => x.kind === 'ORG_KIND_DISTRICT_COMMITTEE').count, 2);
  });

  it('streams the tree as it stood on a date, parents first, through the gateway proxy', async () => {
    const chunks2018 = await h.readStream(orgs, 'StreamSubtree', { root_id: id.province, as_of: h.date(2018, 6, 1) }, gw.adminToken);
    const nodes2018 = chunks2018.flatMap((c) => c.nodes);
    assert.equal(nodes2018.length, 17);
    assert.equal(nodes2018[0].unit.id, id.province);
    const depths = nodes2018.map((n) => n.depth);
    assert.deepEqual(depths, [...depths].sort((a, b) => a - b));
    const nodes2026 = (await h.readStream(orgs, 'StreamSubtree', { root_id: id.province }, gw.adminToken)).flatMap((c) => c.nodes);
    assert.equal(nodes2026.length, 9);
    assert.ok(nodes2026.slice(1).every((n) => n.depth === 1 && n.unit.kind === 'ORG_KIND_COMMUNE_COMMITTEE'));
  });

  it('traces a district forward, and the province back, through every change', async () => {
    const lineage = await orgs.GetLineage({ id: id.dateh });
    assert.equal(lineage.unit.state, 'UNIT_STATE_MERGED');
    const [first, second] = lineage.successors;
    assert.equal(first.successor.id, id.newdahuoai);
    assert.equal(first.distance, 1);
    assert.equal(first.legal_basis.act_number, '1232/NQ-UBTVQH15');
    assert.equal(second.successor.id, id.province);
    assert.equal(second.distance, 2);
    const back = await orgs.GetLineage({ id: id.province });
    const from = new Set(back.predecessors.map((e) => e.predecessor.id));
    for (const k of ['newdahuoai', 'lamha', 'dahuoai', 'dateh', 'cattien']) assert.ok(from.has(id[k]), k);
  });

  it('refuses a change to a unit that has ended, naming the field, and writes nothing', async () => {
    const before = await orgs.ListChanges({ page_size: 1000 });
    await assert.rejects(
      orgs.UpdateOrgUnit({
        unit: { id: id.cattien, name: 'Không được' }, update_mask: { paths: ['name'] },
        effective_date: h.date(2026, 1, 1), legal_basis: basis('x', 2026, 1, 1),
      }),
      (e) => {
        const d = h.statusDetails(e);
        return e.code === grpc.status.FAILED_PRECONDITION &&
          d.details.some((x) => x['@type'] === 'google.rpc.ErrorInfo' && x.reason === 'UNIT_ENDED') &&
          d.details.some((x) => x['@type'] === 'google.rpc.BadRequest' && x.field_violations[0].field === 'unit.id');
      });
    const afterChanges = await orgs.ListChanges({ page_size: 1000 });
    assert.equal(afterChanges.changes.length, before.changes.length);
  });
});

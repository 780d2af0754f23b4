// Lâm Đồng's real administrative units as deploy/local/up loads them, through the gateway: the
// sample's units (data/lam_dong/units.tsv), its 142 communes of 1/2/2021, its changes of
// 1/12/2024 (data/lam_dong/changes-2024-12-01.tsv), Đắk Nông and Bình Thuận of 1/3/2025, then the
// 1 July 2025 reform for the new Lâm Đồng (tools/vn_admin), checked against the GSO lists'
// figures: 12 districts and 142 communes, then 10 and 141, then none and 124.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const DATA = path.join(h.REPO, 'data');
const skip = h.skipReason();

describe('Lâm Đồng\'s real units, 2021 to the 2025 reform', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-ld-'));
  let org;
  let gw;
  let orgs;
  let province;

  const tool = async (rel, args) => {
    const r = await h.runTool(rel, [...args, `--target=${gw.target}`, `--token=${gw.adminToken}`]);
    assert.equal(r.code, 0, `${rel} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r;
  };
  const counts = async (y, m, d) => {
    const res = await orgs.CountUnits({ root_id: province, as_of: h.date(y, m, d) });
    return Object.fromEntries(res.counts.map((c) => [c.kind.replace('ORG_KIND_', ''), c.count]));
  };

  before(async () => {
    org = await h.startOrgRegistry({ schema: h.freshSchema('ld'), trustSecret: secret, today: '2026-11-30' });
    gw = await h.startGateway({ schema: h.freshSchema('ldgw'), routes: { [SVC]: org.target }, trustSecret: secret });
    orgs = await h.reflectedClient(gw.target, SVC, { token: gw.adminToken });
    await tool('tools/seed_loader', [`--file=${path.join(DATA, 'lam_dong', 'units.tsv')}`]);
    const seed = async (units, extra, out) => {
      const r = await h.runTool('tools/vn_admin', ['seed', `--units=${path.join(DATA, 'vn_admin', units)}`,
        `--out=${out}`, ...extra]);
      assert.equal(r.code, 0, r.stderr);
      await tool('tools/seed_loader', [`--file=${out}`]);
    };
    await seed('units-2021-02-01.tsv', ['--provinces=68', '--levels=commune', '--date=2021-02-01'],
      path.join(tmp, 'communes-2021.tsv'));
    await tool('tools/vn_admin', ['apply', `--mapping=${path.join(DATA, 'lam_dong', 'changes-2024-12-01.tsv')}`,
      '--date=2024-12-01']);
    const since = path.join(tmp, 'dn-bt-2021.tsv');
    const r = await h.runTool('tools/vn_admin', ['seed', `--units=${path.join(DATA, 'vn_admin', 'units-2025-03-01.tsv')}`,
      '--provinces=60,67', '--date=2025-03-01', `--out=${path.join(tmp, 'dn-bt-2025.tsv')}`,
      `--since=${path.join(DATA, 'vn_admin', 'units-2021-02-01.tsv')}`, '--since_date=2021-02-01',
      `--out_since=${since}`]);
    assert.equal(r.code, 0, r.stderr);
    await tool('tools/seed_loader', [`--file=${since}`]);
    await tool('tools/seed_loader', [`--file=${path.join(tmp, 'dn-bt-2025.tsv')}`]);
    await tool('tools/vn_admin', ['reform', '--date=2025-07-01', '--new_provinces=68',
      `--data=${path.join(DATA, 'vn_admin')}`]);
    const found = await orgs.ListOrgUnits({ code: '68', as_of: h.date(2026, 1, 1) });
    province = found.units[0].id;
  });

  after(async () => {
    if (orgs) orgs.close();
    if (gw) await gw.stop();
    if (org) await org.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('counts 12 districts and 142 communes on 1/2/2021, 10 and 141 on 1/3/2025, 0 and 124 on 1/7/2025', async () => {
    const a = await counts(2021, 2, 1);
    assert.equal(a.DISTRICT_COMMITTEE, 12);
    assert.equal(a.COMMUNE_COMMITTEE, 142);
    const b = await counts(2025, 3, 1);
    assert.equal(b.DISTRICT_COMMITTEE, 10);
    assert.equal(b.COMMUNE_COMMITTEE, 141);
    const c = await counts(2025, 7, 1);
    assert.equal(c.DISTRICT_COMMITTEE, undefined);
    assert.equal(c.COMMUNE_COMMITTEE, 124);
    // The departments stay where they were: the province unit is the same before and after.
    assert.equal(c.DEPARTMENT, a.DEPARTMENT);
  });

  it('keeps the province\'s unit and leads Đắk Nông and Bình Thuận to it', async () => {
    const l = await orgs.GetLineage({ id: province });
    const from = new Set(l.predecessors.filter((e) => e.distance === 1 && e.kind === 'CHANGE_KIND_MERGE')
      .map((e) => e.predecessor.name));
    assert.ok(from.has('Tỉnh Đắk Nông'), [...from].join(', '));
    assert.ok(from.has('Tỉnh Bình Thuận'), [...from].join(', '));
  });

  it('consolidated Đạ Huoai, Đạ Tẻh and Cát Tiên into the new huyện Đạ Huoai (682) on 1/12/2024', async () => {
    const res = await orgs.ListOrgUnits({ code: '682', as_of: h.date(2025, 1, 1) });
    assert.equal(res.units.length, 1);
    const l = await orgs.GetLineage({ id: res.units[0].id });
    const preds = l.predecessors.filter((e) => e.distance === 1).map((e) => e.predecessor.name).sort();
    assert.deepEqual(preds, ['UBND huyện Cát Tiên', 'UBND huyện Đạ Huoai', 'UBND huyện Đạ Tẻh']);
    const before = await orgs.ListOrgUnits({ code: '682', as_of: h.date(2024, 11, 30) });
    assert.equal(before.units[0].name, 'UBND huyện Đạ Tẻh');
  });

  it('loads nothing new the second time', async () => {
    const again = await tool('tools/vn_admin', ['reform', '--date=2025-07-01', '--new_provinces=68',
      `--data=${path.join(DATA, 'vn_admin')}`]);
    assert.match(again.stdout, /done/);
    const c = await counts(2025, 7, 1);
    assert.equal(c.COMMUNE_COMMITTEE, 124);
  });
});

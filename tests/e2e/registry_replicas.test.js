// Two org registry replicas on one database behind one gateway, each answering reads from its
// own memory (services/org_registry/store/memory_org_store.h): a write through the gateway lands
// on one, and a read that names the write's change id (x-tinhgon-min-change-id) sees it
// whichever replica the gateway picks; every answer says the change it reflects
// (x-tinhgon-change-id), and the gateway passes both headers through.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const skip = h.skipReason();

describe('registry replicas', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const schema = h.freshSchema('replicas');
  let a;
  let b;
  let gw;
  let client;

  before(async () => {
    a = await h.startOrgRegistry({ schema, trustSecret: secret });
    b = await h.startOrgRegistry({ schema, trustSecret: secret, createSchema: false });
    gw = await h.startGateway({
      schema: h.freshSchema('replicasgw'), routes: { [SVC]: `${a.target},${b.target}` }, trustSecret: secret,
    });
    client = await h.reflectedClient(gw.target, SVC, { token: gw.adminToken });
  });

  after(async () => {
    if (client) client.close();
    if (gw) await gw.stop();
    if (b) await b.stop();
    if (a) await a.stop();
  });

  // A unary call on the raw client with extra metadata: resolves with the answer and the
  // change id the answer's initial metadata names.
  const call = (method, req, extra = {}) => new Promise((resolve, reject) => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${gw.adminToken}`);
    for (const [k, v] of Object.entries(extra)) md.set(k, v);
    let changeId = null;
    const c = client.raw[method](req, md, { deadline: Date.now() + 15000 }, (err, res) => (
      err ? reject(err) : resolve({ res, changeId })));
    c.on('metadata', (m) => {
      const v = m.get('x-tinhgon-change-id');
      if (v.length) changeId = Number(v[0]);
    });
  });

  it('reads its writes on either replica with x-tinhgon-min-change-id', async () => {
    let parent = 0;
    for (let round = 0; round < 4; round += 1) {
      const unit = round === 0
        ? { name: 'UBND tỉnh Nhân Bản', kind: 'ORG_KIND_PROVINCE_COMMITTEE' }
        : { name: `Sở Thứ ${round}`, kind: 'ORG_KIND_DEPARTMENT', parent_id: parent };
      const { res: created, changeId: written } = await call('CreateOrgUnit', {
        unit, effective_date: { year: 2018, month: 1, day: 1 }, legal_basis: { act_number: 'e2e' },
      });
      if (round === 0) parent = Number(created.id);
      const change = Number(created.change_id);
      assert.ok(change > 0);
      assert.equal(written, change, 'a write answers its own change id');
      // Round robin: consecutive reads alternate between the replicas.
      for (let i = 0; i < 4; i += 1) {
        const { res, changeId } = await call('GetOrgUnit', { id: created.id },
          { 'x-tinhgon-min-change-id': String(change) });
        assert.equal(res.name, unit.name);
        assert.ok(changeId >= change, `read reflects ${changeId}, wanted at least ${change}`);
      }
      const { res: list, changeId } = await call('ListOrgUnits', { parent_id: String(parent) },
        { 'x-tinhgon-min-change-id': String(change) });
      assert.equal(Number(list.total_size), round);
      assert.ok(changeId >= change);
    }
  });

  it('streams say which change they reflect too', async () => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${gw.adminToken}`);
    md.set('x-tinhgon-min-change-id', '1');
    const seen = await new Promise((resolve, reject) => {
      let changeId = null;
      let nodes = 0;
      const s = client.raw.StreamSubtree({ root_id: 0 }, md, { deadline: Date.now() + 15000 });
      s.on('metadata', (m) => { const v = m.get('x-tinhgon-change-id'); if (v.length) changeId = Number(v[0]); });
      s.on('data', (chunk) => { nodes += chunk.nodes.length; });
      s.on('error', reject);
      s.on('end', () => resolve({ changeId, nodes }));
    });
    assert.ok(seen.changeId >= 1);
    assert.equal(seen.nodes, 4);
  });
});

// The gateway end to end: a real gateway in front of a real org registry (which trusts only
// principals the gateway signs), a client that knows the API only through the gateway's
// reflection, bearer tokens from the gateway's first-start bootstrap and from TokenAdmin.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const ADMIN = 'tinhgon.gateway.v1.TokenAdmin';
const skip = h.skipReason();

describe('gateway', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  let org;
  let gw;
  const clients = [];
  const client = async (service, token) => {
    const c = await h.reflectedClient(gw.target, service, { token });
    clients.push(c);
    return c;
  };
  const basis = { act_number: 'e2e' };
  let provinceId;

  before(async () => {
    org = await h.startOrgRegistry({ schema: h.freshSchema('gworg'), trustSecret: secret });
    gw = await h.startGateway({ schema: h.freshSchema('gw'), routes: { [SVC]: org.target }, trustSecret: secret });
  });

  after(async () => {
    for (const c of clients) c.close();
    if (gw) await gw.stop();
    if (org) await org.stop();
  });

  it('lists every routed service, its own and the standard ones through reflection, without a token', async () => {
    const services = await h.listServices(gw.target);
    for (const s of [SVC, ADMIN, 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection']) {
      assert.ok(services.includes(s), `${s} missing from ${services}`);
    }
  });

  // As grpcurl list / describe / buf curl --list-methods do it, with each reflection version:
  // every listed service is found by symbol, and so are its methods' message types.
  it('describes every listed service through both reflection versions (file by symbol)', async () => {
    const protoLoader = require('@grpc/proto-loader');
    const descriptor = require('protobufjs/ext/descriptor');
    for (const version of ['v1', 'v1alpha']) {
      const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
        includeDirs: ['/usr/share/grpc-proto'], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
      });
      const Reflection = grpc.loadPackageDefinition(def).grpc.reflection[version].ServerReflection;
      const stub = new Reflection(gw.target, grpc.credentials.createInsecure());
      const ask = (req) => new Promise((resolve, reject) => {
        const call = stub.ServerReflectionInfo();
        call.on('data', (r) => { resolve(r); call.end(); });
        call.on('error', reject);
        call.write(req);
      });
      const listed = (await ask({ list_services: '' })).list_services_response.service.map((x) => x.name);
      assert.ok(listed.includes('grpc.reflection.v1alpha.ServerReflection'), version);
      for (const name of listed) {
        const r = await ask({ file_containing_symbol: name });
        assert.ok(!r.error_response, `${version} ${name}: ${r.error_response && r.error_response.error_message}`);
        const files = r.file_descriptor_response.file_descriptor_proto.map((b) => descriptor.FileDescriptorProto.decode(b));
        const file = files[0];
        const short = name.slice(name.lastIndexOf('.') + 1);
        const svc = file.service.find((x) => x.name === short);
        assert.ok(svc && `${file.package}.${svc.name}` === name, `${version}: ${name} not in ${file.name}`);
        for (const m of svc.method) {
          const input = m.inputType.replace(/^\./, '');
          const r2 = await ask({ file_containing_symbol: input });
          assert.ok(!r2.error_response, `${version} ${name}/${m.name}: ${input} not found`);
        }
      }
      stub.close();
    }
  });

  it('describes the org registry (methods and message types) through reflection', async () => {
    const pkg = await h.reflect(gw.target, SVC);
    const Ctor = SVC.split('.').reduce((o, k) => o[k], pkg);
    assert.equal(typeof Ctor, 'function');
    for (const m of ['GetOrgUnit', 'ListOrgUnits', 'StreamSubtree', 'CreateOrgUnit']) {
      assert.ok(Ctor.service[m], `method ${m} not described`);
    }
    assert.equal(Ctor.service.StreamSubtree.responseStream, true);
  });

  it('answers health checks without a token', async () => {
    const health = await client('grpc.health.v1.Health', '');
    const res = await health.Check({ service: '' });
    assert.equal(res.status, 'SERVING');
  });

  it('refuses calls without a token or with a bad one: UNAUTHENTICATED', async () => {
    const anon = await client(SVC, '');
    await assert.rejects(anon.GetOrgUnit({ id: '1' }), (e) => e.code === grpc.status.UNAUTHENTICATED);
    const bad = await client(SVC, 'tg_' + 'x'.repeat(43));
    await assert.rejects(bad.GetOrgUnit({ id: '1' }), (e) => e.code === grpc.status.UNAUTHENTICATED);
  });

  it('calls the org registry with the bootstrap admin token, the request id coming back', async () => {
    const orgs = await client(SVC, gw.adminToken);
    const province = await orgs.CreateOrgUnit({
      request_id: 'e2e-gw-province',
      unit: { code: '68', name: 'UBND tỉnh Lâm Đồng', kind: 'ORG_KIND_PROVINCE_COMMITTEE' },
      effective_date: h.date(2018, 1, 1),
      legal_basis: basis,
    });
    assert.ok(Number(province.id) > 0);
    provinceId = province.id;
    const got = await orgs.GetOrgUnit({ id: provinceId, as_of: h.date(2018, 6, 1) });
    assert.equal(got.name, 'UBND tỉnh Lâm Đồng');
    assert.equal(got.audit.created_by, 'bootstrap-admin');

    const rid = await new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${gw.adminToken}`);
      md.set('x-request-id', 'e2e-rid-42');
      const call = orgs.raw.GetOrgUnit({ id: provinceId }, md, (err) => { if (err) reject(err); });
      call.on('metadata', (m) => resolve(m.get('x-request-id')));
    });
    assert.deepEqual(rid, ['e2e-rid-42']);
  });

  it('issues a viewer token that reads but may not write (PERMISSION_DENIED), then revokes it', async () => {
    const admin = await client(ADMIN, gw.adminToken);
    const issued = await admin.IssueToken({ subject: 'e2e-viewer', roles: ['viewer'], ttl: { seconds: '3600' } });
    assert.match(issued.bearer_token, /^tg_[A-Za-z0-9_-]{43}$/);
    const viewer = await client(SVC, issued.bearer_token);
    const got = await viewer.GetOrgUnit({ id: provinceId });
    assert.equal(got.id, provinceId);
    await assert.rejects(
      viewer.CreateOrgUnit({ unit: { name: 'x', kind: 'ORG_KIND_DEPARTMENT', parent_id: provinceId }, legal_basis: basis }),
      (e) => e.code === grpc.status.PERMISSION_DENIED);
    const viewerAsAdmin = await client(ADMIN, issued.bearer_token);
    await assert.rejects(viewerAsAdmin.ListTokens({}), (e) => e.code === grpc.status.PERMISSION_DENIED);

    const listed = await admin.ListTokens({});
    assert.ok(listed.tokens.some((t) => t.subject === 'e2e-viewer'));
    assert.ok(listed.tokens.every((t) => !('bearer_token' in t)));
    const revoked = await admin.RevokeToken({ id: issued.token.id, reason: 'e2e' });
    assert.ok(revoked.revoke_time);
    await assert.rejects(viewer.GetOrgUnit({ id: provinceId }), (e) => e.code === grpc.status.UNAUTHENTICATED);
  });

  it('the backend refuses a call that bypasses the gateway: UNAUTHENTICATED', async () => {
    const direct = await h.reflectedClient(org.target, SVC);
    clients.push(direct);
    await assert.rejects(direct.GetOrgUnit({ id: provinceId }), (e) => e.code === grpc.status.UNAUTHENTICATED);
  });
});

// The example client of tools/example_client, run as an integrator would run it, against a real
// gateway in front of a real org registry: it reads the API from the build's protoset (not
// reflection), issues a service token, lists the units as of a date page by page, and decodes
// the details of a deliberately bad call. Run with the modules of tests/e2e (NODE_PATH), so CI
// needs no second npm install.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { execFile } = require('node:child_process');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const ADMIN = 'tinhgon.gateway.v1.TokenAdmin';
const CLIENT = path.join(h.REPO, 'tools', 'example_client', 'index.js');
const skip = h.skipReason();

// Runs the example client with `env` on top of the test's; resolves { code, stdout, stderr }.
function runClient(env) {
  const nodePath = [path.join(__dirname, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
  return new Promise((resolve) => {
    execFile(process.execPath, [CLIENT], {
      cwd: h.REPO, timeout: 60000, encoding: 'utf8', env: { ...process.env, NODE_PATH: nodePath, ...env },
    }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('example client (tools/example_client)', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  let org;
  let gw;
  let protoset;
  const clients = [];
  const basis = { act_number: 'e2e-example' };
  const units = {};

  before(async () => {
    protoset = path.join(h.BUILD, 'proto', 'tinhgon.protoset');
    org = await h.startOrgRegistry({ schema: h.freshSchema('exorg'), trustSecret: secret });
    gw = await h.startGateway({ schema: h.freshSchema('exgw'), routes: { [SVC]: org.target }, trustSecret: secret });
    // Units created through the API: a province and two departments from 2018, and a third
    // department from 2020, which a list as of 2019 must leave out.
    const orgs = await h.reflectedClient(gw.target, SVC, { token: gw.adminToken });
    clients.push(orgs);
    const create = (key, unit, effective) => orgs.CreateOrgUnit({
      request_id: `e2e-example-${key}`, unit, effective_date: effective, legal_basis: basis,
    });
    units.province = await create('province',
      { code: '68', name: 'UBND tỉnh Lâm Đồng', kind: 'ORG_KIND_PROVINCE_COMMITTEE' }, h.date(2018, 1, 1));
    units.snv = await create('snv',
      { code: '68.SNV', name: 'Sở Nội vụ', kind: 'ORG_KIND_DEPARTMENT', parent_id: units.province.id }, h.date(2018, 1, 1));
    units.stc = await create('stc',
      { code: '68.STC', name: 'Sở Tài chính', kind: 'ORG_KIND_DEPARTMENT', parent_id: units.province.id }, h.date(2018, 1, 1));
    units.later = await create('later',
      { code: '68.SKHCN', name: 'Sở Khoa học và Công nghệ', kind: 'ORG_KIND_DEPARTMENT', parent_id: units.province.id },
      h.date(2020, 1, 1));
  });

  after(async () => {
    for (const c of clients) c.close();
    if (gw) await gw.stop();
    if (org) await org.stop();
  });

  it('issues a service token, lists the units as of a date page by page, decodes a refusal', async () => {
    const run = await runClient({
      TINHGON_GATEWAY: gw.target,
      TINHGON_ADMIN_TOKEN: gw.adminToken,
      TINHGON_PROTOSET: protoset,
      TINHGON_AS_OF: '2019-06-01',
      TINHGON_PAGE_SIZE: '1',
      TINHGON_SUBJECT: 'e2e-example-client',
    });
    const out = run.stdout;
    assert.equal(run.code, 0, `exit ${run.code}\n${out}\n${run.stderr}`);
    assert.match(out, new RegExp(`schema ${protoset.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(out, /issued service token id=\d+ subject=e2e-example-client/);
    // The three units in force on 2019-06-01, one a page (order by id), and not the 2020 one.
    assert.match(out, /units as of 2019-06-01 \(page size 1\):/);
    const listed = out.split('\n').filter((l) => /^ {2}\d+\t/.test(l)).map((l) => l.trim().split('\t'));
    assert.deepEqual(listed.map((l) => [l[0], l[1], l[2]]), [
      [units.province.id, '68', 'UBND tỉnh Lâm Đồng'],
      [units.snv.id, '68.SNV', 'Sở Nội vụ'],
      [units.stc.id, '68.STC', 'Sở Tài chính'],
    ]);
    assert.doesNotMatch(out, /Sở Khoa học và Công nghệ/);
    assert.match(out, /3 units in 3 page\(s\); total_size 3/);
    // The deliberately bad call, with its details decoded from grpc-status-details-bin.
    assert.match(out, /code: INVALID_ARGUMENT \(3\)/);
    assert.match(out, /google\.rpc\.BadRequest: field as_of: as_of: 2019-02-30 is not a valid date/);
    assert.match(out, /google\.rpc\.ErrorInfo: reason INVALID_FIELD, domain tinhgon\.gov\.vn, metadata field=as_of/);
    assert.match(out, /google\.rpc\.LocalizedMessage \(vi-VN\): Ngày 30\/02\/2019 không hợp lệ/);
    assert.match(out, /the refusal was decoded as expected/);
    assert.match(out, /revoked service token id=\d+/);

    // The token it issued was a service token, and it revoked it when done.
    const admin = await h.reflectedClient(gw.target, ADMIN, { token: gw.adminToken });
    clients.push(admin);
    const { tokens } = await admin.ListTokens({ subject: 'e2e-example-client', include_revoked: true });
    assert.equal(tokens.length, 1);
    assert.deepEqual(tokens[0].roles, ['service']);
    assert.ok(tokens[0].revoke_time, 'the example revokes its token');
  });

  it('exits non-zero on an unexpected error, printing its decoded details', async () => {
    const run = await runClient({
      TINHGON_GATEWAY: gw.target,
      TINHGON_ADMIN_TOKEN: `tg_${'x'.repeat(43)}`,
      TINHGON_PROTOSET: protoset,
    });
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /unexpected error/);
    assert.match(run.stderr, /code: UNAUTHENTICATED \(16\)/);
    assert.match(run.stderr, /google\.rpc\.ErrorInfo: reason \S+/);
  });

  it('exits 2 when the protoset is missing', async () => {
    const run = await runClient({
      TINHGON_GATEWAY: gw.target,
      TINHGON_ADMIN_TOKEN: gw.adminToken,
      TINHGON_PROTOSET: path.join(h.BUILD, 'proto', 'no-such.protoset'),
    });
    assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /no-such\.protoset does not exist/);
  });
});

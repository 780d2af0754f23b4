// tools/seed_loader against real servers: the Lâm Đồng sample loads in one ImportOrgUnits call,
// loading it again changes nothing, bad input is reported precisely and loads nothing (an
// import is all or nothing); the loader reaches the registry in local mode, with the trust
// secret, and through the gateway with a bearer token.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const LOADER = 'tools/seed_loader';
const SAMPLE = path.join(h.REPO, 'data', 'lam_dong', 'units.tsv');
const AS_OF = h.date(2018, 6, 1);
const skip = h.skipReason();

// code → id from seed_loader's "<status> <code> id=<id> ..." lines.
function idsOf(stdout) {
  const out = {};
  for (const line of stdout.split('\n')) {
    const m = /^(created|existing)\s+(\S+)\s+id=(\d+)\s/.exec(line);
    if (m) out[m[2]] = m[3];
  }
  return out;
}

describe('seed_loader', { skip: skip || false }, () => {
  let server;
  let orgs;
  let tmp;

  before(async () => {
    server = await h.startOrgRegistry({ schema: h.freshSchema('seed') });
    orgs = await h.reflectedClient(server.target, SVC);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinhgon-e2e-'));
  });

  after(async () => {
    if (orgs) orgs.close();
    if (server) await server.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('reports health', async () => {
    const ok = await h.runTool(LOADER, [`--target=${server.target}`, '--health']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /SERVING/);
    const down = await h.runTool(LOADER, ['--target=127.0.0.1:1', '--health', '--deadline_ms=500']);
    assert.equal(down.code, 1);
  });

  it('checks the sample in a dry run without writing anything', async () => {
    const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${SAMPLE}`, '--dry_run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /all valid \(dry run/);
    assert.match(r.stdout, /1 ORG_KIND_PROVINCE_COMMITTEE/);
    const found = await orgs.ListOrgUnits({ code: '68', as_of: AS_OF });
    assert.equal(found.units.length, 0);
  });

  it('rejects a bad file with file:line and the column, sending nothing', async () => {
    const file = path.join(tmp, 'bad.tsv');
    fs.writeFileSync(file, [
      '# a comment',
      'code\tparent_code\tkind\tname\teffective_date\tact_number',
      '99\t\tORG_KIND_PROVINCE_COMMITTEE\tUBND tỉnh Thử\t2018-01-01\tTEST-1',
      '99.A\t99\tORG_KIND_SECTION\tSở A\t2018-01-01\tTEST-1',
      '99.B\t99\tORG_KIND_DEPARTMENT\tSở B\t2018-13-01\tTEST-1',
      '99.C\t99\tORG_KIND_DEPARTMENT\tSở C\t2018-01-01\t',
      '',
    ].join('\n'));
    const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${file}`]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:4: field kind: `));
    assert.match(r.stderr, new RegExp(`${file}:5: field effective_date: `));
    assert.match(r.stderr, new RegExp(`${file}:6: field act_number: `));
    const found = await orgs.ListOrgUnits({ code: '99', as_of: AS_OF });
    assert.equal(found.units.length, 0, 'a row was sent despite errors');
  });

  let first;
  it('loads the Lâm Đồng sample', async () => {
    const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${SAMPLE}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    first = { ids: idsOf(r.stdout), counts: await counts() };
    assert.ok(first.ids['68'], r.stdout);
    const byKind = first.counts.byKind;
    assert.equal(byKind.ORG_KIND_DISTRICT_COMMITTEE, 12, JSON.stringify(first.counts));
    assert.ok((byKind.ORG_KIND_DEPARTMENT || 0) + (byKind.ORG_KIND_AGENCY || 0) >= 19,
      JSON.stringify(first.counts));
    assert.equal(first.counts.districts, 12);
    // Everything in the file but the root is below the root.
    const rows = fs.readFileSync(SAMPLE, 'utf8').split('\n')
      .filter((l) => l.trim() && !l.startsWith('#')).length - 1;
    assert.equal(first.counts.total, rows - 1);
  });

  it('loads it again without creating anything', async () => {
    assert.ok(first, 'the first load failed');
    const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${SAMPLE}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(idsOf(r.stdout), first.ids);
    assert.deepEqual(await counts(), first.counts);
  });

  it('finds a district by name without diacritics', async () => {
    const res = await orgs.ListOrgUnits({
      name_query: 'da lat', kinds: ['ORG_KIND_DISTRICT_COMMITTEE'], as_of: AS_OF,
    });
    assert.deepEqual(res.units.map((u) => u.name), ['UBND thành phố Đà Lạt']);
    assert.equal(res.units[0].code, '672');
  });

  it('loads nothing when a parent is unknown, naming its line and column', async () => {
    const file = path.join(tmp, 'orphan.tsv');
    fs.writeFileSync(file, [
      'code\tparent_code\tkind\tname\teffective_date\tact_number',
      '68.X1\t68\tORG_KIND_DEPARTMENT\tSở Thử nghiệm\t2018-01-01\tTEST-1',
      '68.X2\t68.NOPE\tORG_KIND_DIVISION\tPhòng mồ côi\t2018-01-01\tTEST-1',
      '68.X3\t68\tORG_KIND_DEPARTMENT\tSở Không tới\t2018-01-01\tTEST-1',
      '',
    ].join('\n'));
    const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${file}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:3: field parent_code: `));
    for (const code of ['68.X1', '68.X3']) {
      const found = await orgs.ListOrgUnits({ code, as_of: AS_OF });
      assert.equal(found.units.length, 0, `${code} was loaded`);
    }
  });

  it('loads nothing when the registry refuses a row, naming its line and column', async () => {
    const file = path.join(tmp, 'clash.tsv');
    fs.writeFileSync(file, [
      'code\tparent_code\tkind\tname\teffective_date\tact_number',
      '68.Y1\t68\tORG_KIND_DEPARTMENT\tSở Thử nghiệm\t2018-01-01\tTEST-2',
      '672\t68\tORG_KIND_DISTRICT_COMMITTEE\tUBND huyện trùng mã\t2018-01-01\tTEST-2',
      '',
    ].join('\n'));
    for (const dry of [true, false]) {
      const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${file}`,
        ...(dry ? ['--dry_run'] : [])]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /ALREADY_EXISTS/);
      assert.match(r.stderr, new RegExp(`${file}:3: field code: .*request field rows\\[1\\]\\.unit\\.code`));
    }
    const y1 = await orgs.ListOrgUnits({ code: '68.Y1', as_of: AS_OF });
    assert.equal(y1.units.length, 0, 'a row of a refused import was loaded');
  });

  it('refuses a file that mixes dates, sending nothing', async () => {
    const file = path.join(tmp, 'mixed.tsv');
    fs.writeFileSync(file, [
      'code\tparent_code\tkind\tname\teffective_date\tact_number',
      '68.Z1\t68\tORG_KIND_DEPARTMENT\tSở Z1\t2018-01-01\tTEST-3',
      '68.Z2\t68\tORG_KIND_DEPARTMENT\tSở Z2\t2019-01-01\tTEST-3',
      '',
    ].join('\n'));
    const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${file}`]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:3: field effective_date: `));
  });

  // Counts below the province as of AS_OF, by CountUnits and by ListOrgUnits.
  async function counts() {
    const province = await orgs.ListOrgUnits({ code: '68', as_of: AS_OF });
    assert.equal(province.units.length, 1, JSON.stringify(province.units));
    const c = await orgs.CountUnits({ root_id: province.units[0].id, as_of: AS_OF });
    const byKind = {};
    for (const k of c.counts) byKind[k.kind] = k.count;
    const districts = await orgs.ListOrgUnits({
      parent_id: province.units[0].id, kinds: ['ORG_KIND_DISTRICT_COMMITTEE'], as_of: AS_OF, page_size: 1000,
    });
    return { total: c.total, byKind, districts: districts.units.length };
  }
});

describe('seed_loader with a trust secret, and through the gateway', { skip: skip || false }, () => {
  const secret = `e2e-seed-${Date.now()}-secret`;
  let registry;
  let gateway;
  let tmp;

  before(async () => {
    registry = await h.startOrgRegistry({ schema: h.freshSchema('seedsig'), trustSecret: secret });
    gateway = await h.startGateway({
      schema: h.freshSchema('seedgw'), routes: { [SVC]: registry.target }, trustSecret: secret,
    });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tinhgon-e2e-'));
  });

  after(async () => {
    if (gateway) await gateway.stop();
    if (registry) await registry.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('signs the client-streaming import with the trust secret, straight to the registry', async () => {
    const denied = await h.runTool(LOADER, [`--target=${registry.target}`, `--file=${SAMPLE}`]);
    assert.equal(denied.code, 1, denied.stdout + denied.stderr);
    assert.match(denied.stderr, /UNAUTHENTICATED/);
    const r = await h.runTool(LOADER, [`--target=${registry.target}`, `--file=${SAMPLE}`,
      `--trust_secret=${secret}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(idsOf(r.stdout)['68'], r.stdout);
  });

  it('loads through the gateway with a bearer token, and a retry there creates nothing', async () => {
    const file = path.join(tmp, 'gw.tsv');
    fs.writeFileSync(file, [
      'code\tparent_code\tkind\tname\teffective_date\tact_number',
      '68.GW1\t68\tORG_KIND_DEPARTMENT\tSở qua cổng\t2018-01-01\tTEST-GW',
      '68.GW2\t68.GW1\tORG_KIND_DIVISION\tPhòng qua cổng\t2018-01-01\tTEST-GW',
      '',
    ].join('\n'));
    const noToken = await h.runTool(LOADER, [`--target=${gateway.target}`, `--file=${file}`]);
    assert.equal(noToken.code, 1, noToken.stdout + noToken.stderr);
    assert.match(noToken.stderr, /UNAUTHENTICATED/);
    const args = [`--target=${gateway.target}`, `--file=${file}`, `--token=${gateway.adminToken}`];
    const dry = await h.runTool(LOADER, [...args, '--dry_run']);
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    const first = await h.runTool(LOADER, args);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /created\s+68\.GW2 /);
    const again = await h.runTool(LOADER, args);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /existing 68\.GW2 /);
    assert.deepEqual(idsOf(again.stdout), idsOf(first.stdout));
  });
});

// tools/seed_loader against a real org registry: the Lâm Đồng sample loads, loading it again
// changes nothing, bad input is reported precisely.
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

  it('checks the sample in a dry run without sending anything', async () => {
    const r = await h.runTool(LOADER, [`--target=${server.target}`, `--file=${SAMPLE}`, '--dry_run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /all valid \(dry run/);
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

  it('stops at a row the registry refuses, naming its line and column', async () => {
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
    assert.match(r.stdout, /created\s+68\.X1 /);
    const x3 = await orgs.ListOrgUnits({ code: '68.X3', as_of: AS_OF });
    assert.equal(x3.units.length, 0, 'rows after the failing one were loaded');
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

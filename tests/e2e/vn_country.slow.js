// The whole country through the gateway (issue 10): the GSO list of 1/3/2025 loaded by one
// ImportOrgUnits call (tools/vn_admin seed + tools/seed_loader), the 1 July 2025 reform replayed
// through the change API (tools/vn_admin reform), then checked with an independent client that
// knows the API from reflection: counts before and after, the lineage of every new and every
// old commune against the mapping (data/vn_admin), GetLineage on a sample, and searching old
// names without diacritics. A ctest of its own (e2e_vn_country): it takes minutes.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('./harness');

const SVC = 'tinhgon.orgregistry.v1.OrgRegistry';
const DATA = path.join(h.REPO, 'data', 'vn_admin');
const skip = h.skipReason();

function readTsv(file) {
  const [header, ...lines] = fs.readFileSync(path.join(DATA, file), 'utf8').split('\n').filter((l) => l);
  const cols = header.split('\t');
  return lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v])));
}

// As the registry folds names for search: no diacritics, đ → d, lower case.
function fold(s) {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().trim();
}

const setOf = (xs) => [...new Set(xs)].sort();

describe('the country and its 2025 reform through the gateway', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-vn-'));
  const schema = h.freshSchema('vn');
  let org;
  let gw;
  let orgs;
  const mapping = readTsv('reform-2025-07-01-communes.tsv');
  const wantPreds = new Map();  // new code → old codes
  const wantSuccs = new Map();  // old code → new codes
  for (const r of mapping) {
    if (!wantPreds.has(r.new_code)) wantPreds.set(r.new_code, []);
    wantPreds.get(r.new_code).push(r.old_code);
    if (!wantSuccs.has(r.old_code)) wantSuccs.set(r.old_code, []);
    wantSuccs.get(r.old_code).push(r.new_code);
  }
  const before30 = new Map();  // code → unit, 2025-06-30
  const after01 = new Map();   // code → unit, 2025-07-01
  const codeOf = new Map();    // id → code
  const edges = [];            // the lineage edges of 2025-07-01
  const times = {};

  const subtree = async (asOf) => {
    const chunks = await h.readStream(orgs, 'StreamSubtree', { as_of: asOf, view: 'SUBTREE_VIEW_BASIC' },
      gw.adminToken, 120000);
    const out = new Map();
    for (const c of chunks) {
      for (const n of c.nodes) {
        out.set(n.unit.code, n.unit);
        codeOf.set(String(n.unit.id), n.unit.code);
      }
    }
    return out;
  };

  before(async () => {
    org = await h.startOrgRegistry({ schema, trustSecret: secret, today: '2026-11-30', workers: 4 });
    gw = await h.startGateway({ schema: h.freshSchema('vngw'), routes: { [SVC]: org.target }, trustSecret: secret });
    orgs = await h.reflectedClient(gw.target, SVC, { token: gw.adminToken });
    const file = path.join(tmp, 'units-2025-03-01.seed.tsv');
    const since = path.join(tmp, 'units-2021-02-01.seed.tsv');
    const seed = await h.runTool('tools/vn_admin', ['seed', `--units=${path.join(DATA, 'units-2025-03-01.tsv')}`,
      '--date=2025-03-01', `--out=${file}`, `--since=${path.join(DATA, 'units-2021-02-01.tsv')}`,
      '--since_date=2021-02-01', `--out_since=${since}`]);
    assert.equal(seed.code, 0, seed.stderr);
    let t = Date.now();
    for (const f of [since, file]) {
      const load = await h.runTool('tools/seed_loader', [`--target=${gw.target}`, `--token=${gw.adminToken}`,
        `--file=${f}`], 300000);
      assert.equal(load.code, 0, load.stderr + load.stdout.slice(-2000));
    }
    times.load = (Date.now() - t) / 1000;
    t = Date.now();
    const reform = await h.runTool('tools/vn_admin', ['reform', '--date=2025-07-01', `--target=${gw.target}`,
      `--token=${gw.adminToken}`, `--data=${DATA}`], 900000);
    assert.equal(reform.code, 0, reform.stderr + reform.stdout);
    times.reform = (Date.now() - t) / 1000;
    console.log(`# loaded in ${times.load} s, reform replayed in ${times.reform} s: ${reform.stdout.trim()}`);
    for (const [k, v] of await subtree(h.date(2025, 6, 30))) before30.set(k, v);
    for (const [k, v] of await subtree(h.date(2025, 7, 1))) after01.set(k, v);
    let page_token = '';
    do {
      const res = await orgs.ListLineageEdges({ from_date: h.date(2025, 7, 1), to_date: h.date(2025, 7, 1),
        page_size: 1000, page_token });
      edges.push(...res.edges);
      page_token = res.next_page_token;
    } while (page_token);
  });

  after(async () => {
    if (orgs) orgs.close();
    if (gw) await gw.stop();
    if (org) await org.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('counts 63 provinces, 696 districts, 10,047 communes before and 34, 0, 3,321 after', async () => {
    const counts = async (y, m, d) => {
      const res = await orgs.CountUnits({ as_of: h.date(y, m, d) });
      return Object.fromEntries(res.counts.map((c) => [c.kind, c.count]));
    };
    const was = await counts(2025, 6, 30);
    assert.equal(was.ORG_KIND_PROVINCE_COMMITTEE, 63);
    assert.equal(was.ORG_KIND_DISTRICT_COMMITTEE, 696);
    assert.equal(was.ORG_KIND_COMMUNE_COMMITTEE, 10047);
    const is = await counts(2025, 7, 1);
    assert.equal(is.ORG_KIND_PROVINCE_COMMITTEE, 34);
    assert.equal(is.ORG_KIND_DISTRICT_COMMITTEE || 0, 0);
    assert.equal(is.ORG_KIND_COMMUNE_COMMITTEE, 3321);
  });

  it('has exactly the mapping\'s new communes, each under its new province', () => {
    const communes = [...after01.values()].filter((u) => u.kind === 'ORG_KIND_COMMUNE_COMMITTEE');
    assert.deepEqual(setOf(communes.map((u) => u.code)), setOf([...wantPreds.keys()]));
    const provinceOf = new Map(mapping.map((r) => [r.new_code, r.new_province_code]));
    for (const u of communes) {
      assert.equal(codeOf.get(String(u.parent_id)), provinceOf.get(u.code), u.code);
    }
  });

  it('gives every new commune exactly its rows of the mapping as lineage', () => {
    const preds = new Map();
    for (const e of edges) {
      if (e.kind === 'CHANGE_KIND_END_LEVEL') continue;
      const to = codeOf.get(String(e.successor.id));
      if (!preds.has(to)) preds.set(to, []);
      preds.get(to).push(codeOf.get(String(e.predecessor.id)));
    }
    let checked = 0;
    for (const [code, olds] of wantPreds) {
      const unit = after01.get(code);
      const got = [...(preds.get(code) || [])];
      // A commune that kept its unit (merged into, renamed or unchanged) is its own predecessor.
      if (before30.has(code) && before30.get(code).id === unit.id) got.push(code);
      assert.deepEqual(setOf(got), setOf(olds), `new commune ${code}`);
      checked += 1;
    }
    assert.equal(checked, 3321);
  });

  it('leads every old commune (and island district) to its new one(s)', () => {
    const succs = new Map();
    for (const e of edges) {
      if (e.kind === 'CHANGE_KIND_END_LEVEL') continue;
      const from = codeOf.get(String(e.predecessor.id));
      if (!succs.has(from)) succs.set(from, []);
      succs.get(from).push(codeOf.get(String(e.successor.id)));
    }
    for (const [code, news] of wantSuccs) {
      const got = [...(succs.get(code) || [])];
      if (after01.has(code) && after01.get(code).id === before30.get(code).id) got.push(code);
      assert.deepEqual(setOf(got), setOf(news), `old unit ${code}`);
    }
    assert.equal(wantSuccs.size, 10052);
  });

  it('answers GetLineage for a sample the same way', async () => {
    const news = [...wantPreds.keys()].filter((_, i) => i % 37 === 0);
    for (const code of news) {
      const l = await orgs.GetLineage({ id: after01.get(code).id });
      const got = l.predecessors.filter((e) => e.distance === 1 && e.kind !== 'CHANGE_KIND_END_LEVEL')
        .map((e) => codeOf.get(String(e.predecessor.id)));
      if (before30.has(code) && before30.get(code).id === after01.get(code).id) got.push(code);
      assert.deepEqual(setOf(got), setOf(wantPreds.get(code)), code);
    }
    const olds = [...wantSuccs.keys()].filter((_, i) => i % 101 === 0);
    for (const code of olds) {
      const l = await orgs.GetLineage({ id: before30.get(code).id });
      const got = l.successors.filter((e) => e.distance === 1 && e.kind !== 'CHANGE_KIND_END_LEVEL')
        .map((e) => codeOf.get(String(e.successor.id)));
      if (after01.has(code) && after01.get(code).id === before30.get(code).id) got.push(code);
      assert.deepEqual(setOf(got), setOf(wantSuccs.get(code)), code);
    }
  });

  it('finds an old name without diacritics as of 2024, and as of 2026 only through lineage', async () => {
    const activeNames = [...after01.values()].map((u) => fold(u.name));
    const candidates = mapping.filter((r) => !after01.has(r.old_code) && r.old_code.length === 5)
      .filter((r) => !activeNames.some((n) => n.includes(fold(r.old_name))));
    assert.ok(candidates.length > 100, `only ${candidates.length} old names are gone`);
    let tried = 0;
    for (const r of candidates.filter((_, i) => i % Math.floor(candidates.length / 25) === 0)) {
      // Only units the 2021 list shows alike stood in 2024 (vn_admin seed --since); the others
      // are known from 1/3/2025.
      const last = await orgs.GetOrgUnit({ id: before30.get(r.old_code).id });
      if (last.established.year > 2021) continue;
      tried += 1;
      const q = fold(r.old_name);
      const then = await orgs.ListOrgUnits({ name_query: q, as_of: h.date(2024, 6, 1), page_size: 100 });
      assert.ok(then.units.some((u) => u.code === r.old_code), `${q} as of 2024`);
      const now = await orgs.ListOrgUnits({ name_query: q, as_of: h.date(2026, 1, 1), page_size: 100 });
      assert.equal(now.total_size, 0, `${q} as of 2026`);
      const l = await orgs.GetLineage({ id: before30.get(r.old_code).id });
      const to = setOf(l.successors.filter((e) => e.distance === 1).map((e) => codeOf.get(String(e.successor.id))));
      assert.deepEqual(to, setOf(wantSuccs.get(r.old_code)), q);
    }
    assert.ok(tried >= 15, `only ${tried} of the sample stood in 2021`);
  });

  it('replays nothing the second time', async () => {
    const count = () => Number(h.psql(`SELECT count(*) FROM ${schema}.change_event`).split('\n')
      .find((l) => /^\s*\d+\s*$/.test(l)));
    const n = count();
    const again = await h.runTool('tools/vn_admin', ['reform', '--date=2025-07-01', `--target=${gw.target}`,
      `--token=${gw.adminToken}`, `--data=${DATA}`], 300000);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(count(), n);
  });
});

// Reporting reads a streaming replica of its database (issue 11: "a replica that reporting
// reads"). Snapshots never change once written, so the replica's copy of one is the snapshot:
// GetReportSnapshot and ExportReport read it there first, and from the primary when the replica
// has not received it yet or is down (services/reporting/store/pg_reporting_store.h). Shown
// here with a real hot standby (tests/e2e/pg_cluster.sh standby, pg_basebackup + streaming):
// with the primary stopped, snapshots and exports still answer, from the replica; with the
// replica's replay paused, a new snapshot answers from the primary; with the replica stopped,
// every snapshot answers from the primary.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('./harness');

const ORG = 'tinhgon.orgregistry.v1.OrgRegistry';
const ST = 'tinhgon.staffing.v1.Staffing';
const TK = 'tinhgon.tasks.v1.Tasks';
const RP = 'tinhgon.reporting.v1.Reporting';
const CLUSTER = path.join(__dirname, 'pg_cluster.sh');
const skip = h.skipReason() || (process.getuid() !== 0 ? 'needs root (PostgreSQL runs as postgres)' : '');
const { until } = h;

describe('reporting reads the replica', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-standby-'));
  const schema = 'stb_reporting';
  const cluster = (...args) => execFileSync('bash', [CLUSTER, ...args], { encoding: 'utf8' }).trim();
  let primary;
  let standby;
  const servers = [];
  let gw;
  let rp;
  let regime;
  const clients = [];

  // Whether the standby holds snapshot `id` (a direct read of the replica, as psql would).
  const onStandby = (id) => /^\s*1\s*$/m.test(h.psql(`SELECT count(*) FROM ${schema}.snapshot WHERE id = ${Number(id)}`, standby));
  const build = async (rid, year) => {
    const started = await rp.StartReportBuild({ request_id: rid, regime_id: regime.id, year });
    return until(async () => {
      const b = await rp.GetReportBuild({ name: started.name });
      return b.state !== 'BUILD_STATE_QUEUED' && b.state !== 'BUILD_STATE_RUNNING' && b;
    }, `build ${rid} ends`, 60000);
  };
  // A snapshot read whole and exported as CSV: both must answer, and agree with its hash.
  const readAndExport = async (id) => {
    const snap = await rp.GetReportSnapshot({ id }, 10000);
    const messages = await h.readStream(rp, 'ExportReport', { snapshot_id: id, format: 'EXPORT_FORMAT_CSV' }, gw.adminToken, 10000);
    const header = messages[0].header;
    const bytes = Buffer.concat(messages.slice(1).map((m) => m.data));
    assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), header.sha256);
    assert.equal(header.snapshot_sha256, snap.summary.content_sha256);
    return snap;
  };

  before(async () => {
    fs.chmodSync(dir, 0o755);
    const port = 20000 + crypto.randomInt(20000);
    primary = cluster('start', dir, String(port));
    standby = cluster('standby', dir, String(port + 1));
    const org = await h.startOrgRegistry({ schema: h.freshSchema('stborg'), trustSecret: secret, today: '2022-06-01' });
    const staffing = await h.startStaffing({ schema: h.freshSchema('stbst'), registry: org.target, trustSecret: secret });
    const tasks = await h.startTasks({ schema: h.freshSchema('stbtk'), registry: org.target, trustSecret: secret });
    servers.push(org, staffing, tasks);
    servers.push(await h.startReporting({
      schema, registry: org.target, staffing: staffing.target, tasks: tasks.target, trustSecret: secret,
      db: primary, readDb: standby,
    }));
    // The gateway's tokens stay on the shared test database: only reporting's primary stops.
    gw = await h.startGateway({
      schema: h.freshSchema('stbgw'),
      routes: { [ORG]: org.target, [ST]: staffing.target, [TK]: tasks.target, [RP]: servers[3].target },
      trustSecret: secret,
    });
    const orgs = await h.reflectedClient(gw.target, ORG, { token: gw.adminToken });
    rp = await h.reflectedClient(gw.target, RP, { token: gw.adminToken });
    clients.push(orgs, rp);
    ({ regime } = await h.yearlyRegime(orgs, rp, {
      prefix: 'stb', provinceName: 'UBND tỉnh Bản Sao', provinceCode: '93', regimeCode: 'STB_YEARLY',
    }));
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const s of [gw, ...servers.reverse()]) if (s) await s.stop();
    for (const cmd of ['standby-stop', 'stop']) {
      try { execFileSync('bash', [CLUSTER, cmd, dir], { stdio: 'ignore' }); } catch (e) { /* best effort */ }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers snapshots and exports from the replica while the primary is stopped', async () => {
    const b = await build('stb-2019', 2019);
    assert.equal(b.state, 'BUILD_STATE_SUCCEEDED', JSON.stringify(b.error));
    await until(() => onStandby(b.snapshot_id), 'the replica receives the snapshot', 15000);
    const before = await readAndExport(b.snapshot_id);
    cluster('stop', dir);
    try {
      // Reads of what changes need the primary: UNAVAILABLE, naming it.
      await assert.rejects(rp.ListReportRegimes({}, 10000), (err) => err.code === 14);
      const during = await readAndExport(b.snapshot_id);
      assert.deepEqual(during, before, 'the replica\'s copy is the snapshot');
    } finally {
      cluster('start-again', dir);
    }
    assert.ok((await rp.ListReportRegimes({})).regimes.length > 0, 'the primary answers again');
  });

  it('answers a snapshot the replica has not received from the primary', async () => {
    h.psql('SELECT pg_wal_replay_pause()', standby);
    try {
      const b = await build('stb-2020', 2020);
      assert.equal(b.state, 'BUILD_STATE_SUCCEEDED', JSON.stringify(b.error));
      assert.equal(onStandby(b.snapshot_id), false, 'the paused replica lacks it');
      const snap = await readAndExport(b.snapshot_id);
      assert.equal(snap.content.manifest.year, 2020);
    } finally {
      h.psql('SELECT pg_wal_replay_resume()', standby);
    }
  });

  it('answers every snapshot from the primary while the replica is stopped', async () => {
    const builds = await rp.ListReportBuilds({ regime_id: regime.id });
    const ids = builds.builds.filter((b) => b.state === 'BUILD_STATE_SUCCEEDED').map((b) => b.snapshot_id);
    assert.equal(ids.length, 2);
    cluster('standby-stop', dir);
    try {
      for (const id of ids) await readAndExport(id);
    } finally {
      cluster('standby-start', dir);
    }
  });
});

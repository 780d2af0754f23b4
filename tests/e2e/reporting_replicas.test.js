// Two reporting replicas on one schema behind the gateway (issue 11): a build belongs to the
// replica that queued it, which renews its lease (services/reporting/pg_wiring.h). Restarting
// the other replica fails none of its builds (before, every start failed every unfinished
// build); killing the owner fails its build once the lease lapses (BUILD_INTERRUPTED), by the
// replica still running, with no restart needed. Builds are held running by stopping tasks
// (SIGSTOP), which they read.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./harness');

const ORG = 'tinhgon.orgregistry.v1.OrgRegistry';
const ST = 'tinhgon.staffing.v1.Staffing';
const TK = 'tinhgon.tasks.v1.Tasks';
const RP = 'tinhgon.reporting.v1.Reporting';
const LEASE = 2;  // seconds
const skip = h.skipReason();
const { sleep, until } = h;

describe('reporting replicas', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const rpSchema = h.freshSchema('rprep');
  const servers = [];
  let tasks;
  let a;
  let b;
  let gw;
  const clients = [];

  before(async () => {
    const org = await h.startOrgRegistry({ schema: h.freshSchema('rporg'), trustSecret: secret, today: '2022-06-01' });
    const staffing = await h.startStaffing({ schema: h.freshSchema('rpst'), registry: org.target, trustSecret: secret });
    tasks = await h.startTasks({ schema: h.freshSchema('rptk'), registry: org.target, trustSecret: secret });
    servers.push(org, staffing, tasks);
    const common = {
      registry: org.target, staffing: staffing.target, tasks: tasks.target, trustSecret: secret, leaseSeconds: LEASE,
    };
    a = await h.startReporting({ schema: rpSchema, ...common });
    b = await h.startReporting({ schema: rpSchema, ...common, createSchema: false });
    gw = await h.startGateway({
      schema: h.freshSchema('rpgw'),
      routes: { [ORG]: org.target, [ST]: staffing.target, [TK]: tasks.target, [RP]: `${a.target},${b.target}` },
      trustSecret: secret,
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    if (tasks && tasks.proc.signalCode === null && tasks.proc.exitCode === null) tasks.proc.kill('SIGCONT');
    for (const s of [gw, b, a, ...servers.reverse()]) if (s) await s.stop();
  });

  // The build's row: state (1 queued, 2 running, 3 succeeded, 4 failed) and its owner's pid.
  const row = (id) => {
    const out = h.psql(`SELECT state::text || ' ' || split_part(owner, '-', array_length(string_to_array(owner, '-'), 1) - 1)`
      + ` FROM ${rpSchema}.build WHERE id = ${Number(id)}`);
    const m = out.match(/^\s*(\d) (\d+)\s*$/m);
    return m ? { state: Number(m[1]), pid: Number(m[2]) } : null;
  };

  it('restarting one replica fails none of the other\'s builds; the builds of one killed fail once its lease lapses', async () => {
    const orgs = await h.reflectedClient(gw.target, ORG, { token: gw.adminToken });
    const rp = await h.reflectedClient(gw.target, RP, { token: gw.adminToken });
    clients.push(orgs, rp);
    const { regime } = await h.yearlyRegime(orgs, rp, {
      prefix: 'rpr', provinceName: 'UBND tỉnh Hai Bản', provinceCode: '94', regimeCode: 'RPR_YEARLY',
    });

    tasks.proc.kill('SIGSTOP');  // builds read tasks: they stay running
    try {
      const started = await rp.StartReportBuild({ request_id: 'rpr-build-1', regime_id: regime.id, year: 2019 });
      const id = started.name.split('/').pop();
      const first = await until(() => { const r = row(id); return r && r.state === 2 && r; }, 'the build runs', 15000);
      const [owner, other] = first.pid === a.proc.pid ? [a, b] : [b, a];
      assert.ok([a.proc.pid, b.proc.pid].includes(first.pid), `owner pid ${first.pid}`);

      // The other replica dies and starts again: its start and its sweeps leave the build be.
      await other.kill9();
      await other.restart();
      await sleep(LEASE * 1000 + 1500);
      assert.equal(row(id).state, 2, 'the live owner\'s build still runs');

      // The owner dies: the other fails its build once the lease lapses, without a restart.
      await owner.kill9();
      await until(() => row(id).state === 4, 'the dead owner\'s build fails', LEASE * 1000 + 10000);
      const build = await rp.GetReportBuild({ name: started.name });
      assert.equal(build.state, 'BUILD_STATE_FAILED');
      assert.equal(build.error.code, 10, 'ABORTED');
      assert.match(build.error.message, /stopped/);
      await owner.restart();
    } finally {
      tasks.proc.kill('SIGCONT');
    }
    // Builds run again on either replica.
    const again = await rp.StartReportBuild({ request_id: 'rpr-build-2', regime_id: regime.id, year: 2019 });
    const done = await until(() => { const r = row(again.name.split('/').pop()); return r && r.state >= 3 && r; },
      'the next build ends', 60000);
    assert.equal(done.state, 3);
  });
});

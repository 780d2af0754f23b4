// Shared helpers of the end-to-end tests: start a built server on a free port against the test
// database in a schema of its own, reach it through server reflection (no .proto files of ours
// are read: the client is built from what the server describes), decode error details.
'use strict';

const { spawn, execFile, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const net = require('node:net');
const path = require('node:path');
const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');
const { GrpcReflection } = require('grpc-js-reflection-client');

const REPO = path.resolve(__dirname, '..', '..');
const BUILD = process.env.TINHGON_TEST_BUILD || '';
const TEST_PG = process.env.TINHGON_TEST_PG || '';

// Why the tests cannot run here, or '' when they can. The tests skip (ctest reports it) rather
// than fail when no database is given; a missing binary with a database given is a failure.
function skipReason() {
  if (!TEST_PG) return 'TINHGON_TEST_PG is not set (run tests/run)';
  if (!BUILD) return 'TINHGON_TEST_BUILD is not set (run tests/run)';
  return '';
}

function binary(rel) {
  const p = path.join(BUILD, rel);
  if (!fs.existsSync(p)) throw new Error(`${p} does not exist: build first`);
  return p;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// `db`: another cluster's conninfo (a test with a PostgreSQL of its own); default TEST_PG.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `cond` every 50 ms until it returns something truthy, which it resolves with; rejects
// naming `what` after `ms`.
async function until(cond, what, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();  // `cond` may be async
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

function psql(sql, db = TEST_PG) {
  return execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', db, '-c', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
  });
}

// A fresh schema name, unique per run: e2e_<prefix>_<random>.
function freshSchema(prefix) {
  return `e2e_${prefix}_${crypto.randomBytes(5).toString('hex')}`;
}

// Starts org_registry_server in dev mode (no trust secret; or, with `trustSecret`, trusting only
// principals signed with it, as behind the gateway) on a free port, in `schema` (created here by
// the superuser), with a fixed today. Resolves once it logs "listening on" and answers health
// checks; rejects with its stderr if it exits or takes more than 60 s. `createSchema: false`
// starts another replica on a schema a first one made.
async function startOrgRegistry({ schema, today = '2019-06-01', workers = 2, trustSecret = '', createSchema = true, db = TEST_PG }) {
  if (createSchema) psql(`CREATE SCHEMA ${schema}`, db);
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TINHGON_ORG_REGISTRY_')) delete env[k];
  delete env.TINHGON_TRUST_SECRET;
  if (trustSecret) env.TINHGON_TRUST_SECRET = trustSecret;
  const args = [
    `--listen=${target}`, `--db=${db}`, `--schema=${schema}`, `--workers=${workers}`,
    `--today=${today}`,
  ];
  if (!trustSecret) args.push('--trust_secret=');
  return startProcess('org_registry_server', binary('services/org_registry/org_registry_server'),
    args, env, target, schema, db);
}

// Starts staffing_server on a free port in `schema` (created here), calling the registry at
// `registry`, trusting principals signed with `trustSecret`, with a fixed today.
async function startStaffing({ schema, registry, trustSecret, today = '2022-06-01', db = TEST_PG }) {
  psql(`CREATE SCHEMA ${schema}`, db);
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TINHGON_STAFFING_')) delete env[k];
  env.TINHGON_TRUST_SECRET = trustSecret;
  const args = [
    `--listen=${target}`, `--db=${db}`, `--schema=${schema}`, '--workers=2',
    `--org_registry=${registry}`, `--today=${today}`,
  ];
  return startProcess('staffing_server', binary('services/staffing/staffing_server'),
    args, env, target, schema, db);
}

// Starts tasks_server on a free port in `schema` (created here), calling the registry at
// `registry`, trusting principals signed with `trustSecret`, with a fixed today.
async function startTasks({ schema, registry, trustSecret, today = '2022-06-01', db = TEST_PG }) {
  psql(`CREATE SCHEMA ${schema}`, db);
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TINHGON_TASKS_')) delete env[k];
  env.TINHGON_TRUST_SECRET = trustSecret;
  const args = [
    `--listen=${target}`, `--db=${db}`, `--schema=${schema}`, '--workers=2',
    `--org_registry=${registry}`, `--today=${today}`,
  ];
  return startProcess('tasks_server', binary('services/tasks/tasks_server'), args, env, target,
    schema, db);
}

// Starts reporting_server on a free port in `schema` (created here), reading the registry,
// staffing and tasks at the given targets, trusting principals signed with `trustSecret`; with
// `readDb`, reading snapshots on that replica of `db` first (--read_db).
async function startReporting({
  schema, registry, staffing, tasks, trustSecret, today = '2022-06-01', db = TEST_PG, createSchema = true, leaseSeconds = 0,
  readDb = '',
}) {
  if (createSchema) psql(`CREATE SCHEMA ${schema}`, db);
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TINHGON_REPORTING_')) delete env[k];
  env.TINHGON_TRUST_SECRET = trustSecret;
  const args = [
    `--listen=${target}`, `--db=${db}`, `--schema=${schema}`, '--workers=2',
    `--org_registry=${registry}`, `--staffing=${staffing}`, `--tasks=${tasks}`, `--today=${today}`,
  ];
  if (leaseSeconds) args.push(`--build_lease_seconds=${leaseSeconds}`);
  if (readDb) args.push(`--read_db=${readDb}`);
  return startProcess('reporting_server', binary('services/reporting/reporting_server'), args, env,
    target, schema, db);
}

// Starts gateway_server on a free port in `schema` (created here), routing `routes`
// ({ 'pkg.Service': 'host:port' }), with `trustSecret`, metrics off. Its first start issues the
// bootstrap admin token into a temporary file; the server object carries it as adminToken.
async function startGateway({ schema, routes, trustSecret, db = TEST_PG }) {
  psql(`CREATE SCHEMA ${schema}`, db);
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('TINHGON_GATEWAY_')) delete env[k];
  env.TINHGON_TRUST_SECRET = trustSecret;
  const tokenFile = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'tg-gw-')), 'admin_token');
  const args = [
    `--listen=${target}`, `--db=${db}`, `--schema=${schema}`, '--workers=2',
    `--routes=${Object.entries(routes).map(([s, a]) => `${s}=${a}`).join(';')}`,
    '--metrics_listen=', `--bootstrap_admin_token_file=${tokenFile}`,
  ];
  const server = await startProcess('gateway_server', binary('services/gateway/gateway_server'),
    args, env, target, schema, db);
  server.adminToken = fs.readFileSync(tokenFile, 'utf8').trim();
  fs.rmSync(path.dirname(tokenFile), { recursive: true, force: true });
  // A restarted gateway finds its tokens in its schema and issues none, but still wants the
  // bootstrap file's folder to exist.
  const restart = server.restart;
  server.restart = async () => {
    fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
    try {
      await restart();
    } finally {
      fs.rmSync(path.dirname(tokenFile), { recursive: true, force: true });
    }
  };
  return server;
}

async function startProcess(label, exe, args, env, target, schema, db = TEST_PG) {
  let proc;
  let exited;
  let log = '';
  const spawnIt = () => {
    proc = spawn(exe, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (d) => { log += d; });
    proc.stderr.on('data', (d) => { log += d; });
    exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  };
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const waitReady = async () => {
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      if (!running()) {
        throw new Error(`${label} exited (${proc.exitCode ?? proc.signalCode}) during start:\n${log}`);
      }
      if (log.includes('listening on') && await healthServing(target)) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  };
  spawnIt();

  const server = {
    target, schema, log: () => log,
    get proc() { return proc; },
    async stop() {
      if (running()) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
      }
      try { psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`, db); } catch (e) { /* best effort */ }
    },
    // kill -9: no shutdown, no draining; the schema stays.
    async kill9() {
      if (running()) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
    // The same program, flags and port again, after a kill9 (its schema as it was left).
    async restart() {
      if (running()) throw new Error(`${label} is still running`);
      log += `\n--- restarted ---\n`;
      spawnIt();
      if (!await waitReady()) throw new Error(`${label} not ready after a restart:\n${log}`);
    },
  };

  if (!await waitReady()) {
    await server.stop();
    throw new Error(`${label} not ready after 60 s:\n${log}`);
  }
  return server;
}

// grpc.health.v1.Health/Check with a hand-written codec (no descriptor needed): the request is
// empty (service ""), the reply's field 1 is the status, 1 = SERVING.
function healthServing(target) {
  return new Promise((resolve) => {
    const client = new grpc.Client(target, grpc.credentials.createInsecure());
    client.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b) => b,
      Buffer.alloc(0), { deadline: Date.now() + 1000 }, (err, reply) => {
        client.close();
        resolve(!err && reply.length >= 2 && reply[0] === 0x08 && reply[1] === 1);
      });
  });
}

const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

// The package object of `symbol`'s file, built from the server's reflection answers.
async function reflect(target, symbol) {
  const reflection = new GrpcReflection(target, grpc.credentials.createInsecure());
  const descriptor = await reflection.getDescriptorBySymbol(symbol);
  return descriptor.getPackageObject(LOADER_OPTIONS);
}

async function listServices(target) {
  const reflection = new GrpcReflection(target, grpc.credentials.createInsecure());
  return reflection.listServices();
}

function lookup(obj, dotted) {
  return dotted.split('.').reduce((o, k) => (o ? o[k] : undefined), obj);
}

// A province (`provinceName`, `provinceCode`), its Sở Nội vụ and a yearly report regime
// `regimeCode` over the province's departments (due before 25/11, consolidated on 1/12), made
// through the registry client `orgs` and the reporting client `rp` with request ids starting
// with `prefix`: the smallest setup for tests of builds and snapshots.
async function yearlyRegime(orgs, rp, { prefix, provinceName, provinceCode, regimeCode }) {
  const basis = { act_number: `${prefix}/QĐ`, issuer: 'e2e' };
  const province = (await orgs.CreateOrgUnit({
    request_id: `${prefix}-p`, unit: { name: provinceName, kind: 'ORG_KIND_PROVINCE_COMMITTEE', code: provinceCode },
    effective_date: date(2015, 1, 1), legal_basis: basis,
  })).id;
  const collector = (await orgs.CreateOrgUnit({
    request_id: `${prefix}-d`, unit: { name: 'Sở Nội vụ', kind: 'ORG_KIND_DEPARTMENT', parent_id: province },
    effective_date: date(2015, 1, 1), legal_basis: basis,
  })).id;
  const regime = await rp.CreateReportRegime({
    request_id: `${prefix}-regime`,
    regime: {
      code: regimeCode, name: 'Báo cáo hằng năm',
      legal_basis: { act_number: `${prefix}/KH`, act_date: date(2018, 5, 15), issuer: 'UBND tỉnh' },
      period_kind: 'PERIOD_KIND_YEAR', period_start: { day: 1, month: 1 },
      submission_due: { day_of_year: { day: 25, month: 11 }, before_day: true },
      consolidated_due: { day_of_year: { day: 1, month: 12 } },
      submitters: { root_unit_id: province, kinds: ['ORG_KIND_DEPARTMENT'], direct_children_only: true },
      collector: { id: collector }, recipient: { id: province }, scope_unit_id: province,
      base_year: 2015, first_year: 2018,
    },
  });
  return { province, collector, regime };
}

// A client of `service` (full name) built through reflection, whose methods return promises.
// A rejected call's error keeps code, details and metadata.
// With `token`, every call carries "authorization: Bearer <token>" (calls through the gateway);
// a call's optional third argument adds headers (e.g. x-tinhgon-min-change-id).
async function reflectedClient(target, service, { token = '' } = {}) {
  const pkg = await reflect(target, service);
  const Ctor = lookup(pkg, service);
  if (typeof Ctor !== 'function') throw new Error(`reflection did not describe ${service}`);
  const client = new Ctor(target, grpc.credentials.createInsecure());
  const wrapped = { close: () => client.close(), raw: client };
  for (const name of Object.keys(Ctor.service)) {
    const def = Ctor.service[name];
    if (def.requestStream || def.responseStream) continue;
    wrapped[name] = (req, deadlineMs = 15000, headers = {}) => new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      if (token) md.set('authorization', `Bearer ${token}`);
      for (const [k, v] of Object.entries(headers)) md.set(k, String(v));
      client[name](req, md, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }
  return wrapped;
}

// Every message of a server-streaming call of a reflectedClient, through the gateway with
// `token`; rejects with the call's error.
function readStream(client, method, req, token, deadlineMs = 60000) {
  return new Promise((resolve, reject) => {
    const md = new grpc.Metadata();
    if (token) md.set('authorization', `Bearer ${token}`);
    const out = [];
    const call = client.raw[method](req, md, { deadline: Date.now() + deadlineMs });
    call.on('data', (m) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

// google.rpc.Status and its detail messages, for grpc-status-details-bin. The .proto files are
// the copies in proto/google/rpc (the same upstream files every gRPC ecosystem uses).
let rpcRoot;
function rpcTypes() {
  if (!rpcRoot) {
    rpcRoot = new protobuf.Root();
    rpcRoot.resolvePath = (origin, target) => {
      if (target.startsWith('google/protobuf/')) return target;  // protobufjs ships these
      return path.join(REPO, 'proto', target);
    };
    rpcRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
    rpcRoot.resolveAll();
  }
  return rpcRoot;
}

// Decodes grpc-status-details-bin of a failed call: { code, message, details: [{ '@type', ...}] }.
function statusDetails(err) {
  const bins = err.metadata ? err.metadata.get('grpc-status-details-bin') : [];
  if (!bins || bins.length === 0) return null;
  const root = rpcTypes();
  const Status = root.lookupType('google.rpc.Status');
  const st = Status.decode(bins[0]);
  const details = st.details.map((any) => {
    const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
    let T = null;
    try { T = root.lookupType(typeName); } catch (e) { /* unknown detail type */ }
    const body = T ? T.toObject(T.decode(any.value), { defaults: true }) : { value: any.value };
    return { '@type': typeName, ...body };
  });
  return { code: st.code, message: st.message, details };
}

// The field a refusal names (google.rpc.BadRequest) and its reason (google.rpc.ErrorInfo).
function errorField(err) {
  const br = statusDetails(err).details.find((x) => x['@type'] === 'google.rpc.BadRequest');
  return br && br.field_violations[0].field;
}
function errorReason(err) {
  const info = statusDetails(err).details.find((x) => x['@type'] === 'google.rpc.ErrorInfo');
  return info && info.reason;
}

// Runs a built tool; resolves { code, stdout, stderr } (never rejects on a non-zero exit). The
// trust secret is not passed on unless `env` gives it (a tool signing as the gateway would).
function runTool(rel, args, timeoutMs = 120000, env = {}) {
  return new Promise((resolve) => {
    execFile(binary(rel), args, { timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, TINHGON_TRUST_SECRET: '', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
  });
}

const date = (year, month, day) => ({ year, month, day });

module.exports = {
  REPO, BUILD, TEST_PG, skipReason, freshSchema, psql, startOrgRegistry, startStaffing, startTasks,
  startReporting, startGateway,
  healthServing,
  listServices, reflect, reflectedClient, readStream, statusDetails, errorField, errorReason,
  runTool, date, sleep, until, yearlyRegime,
};

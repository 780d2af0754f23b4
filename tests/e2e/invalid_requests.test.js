// A catalogue of invalid requests for every method of every service, through the gateway
// with an admin token (issue 11). The requests are made from each method's request type as
// reflection describes it: the empty request, and for each field (and each field of a message
// field) a value a careless or hostile caller sends: an oversized string, a string that looks
// like SQL, LIKE wildcards, invalid UTF-8, negative and huge numbers, impossible dates, ids that
// do not exist. Each answer must be a specific refusal or a success, never INTERNAL, UNKNOWN,
// UNAVAILABLE or a timeout; an INVALID_ARGUMENT names its field (google.rpc.BadRequest); a write
// (a request with a request_id) made of the empty request is refused; and the services'
// schemas are the same afterwards (pg_dump of their data, before and after).
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const grpc = require('@grpc/grpc-js');
const h = require('./harness');

const ORG = 'tinhgon.orgregistry.v1.OrgRegistry';
const ST = 'tinhgon.staffing.v1.Staffing';
const TK = 'tinhgon.tasks.v1.Tasks';
const RP = 'tinhgon.reporting.v1.Reporting';
const skip = h.skipReason();

const BAD_CODES = new Set([2 /* UNKNOWN */, 4 /* DEADLINE_EXCEEDED */, 13 /* INTERNAL */, 14 /* UNAVAILABLE */]);
const UNKNOWN_ID = '987654321';

// --- protobuf wire encoding, for the one thing a typed client cannot send: invalid UTF-8 ---
function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
function lengthDelimited(number, bytes) {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

describe('invalid requests, every method', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  const schemas = {
    org: h.freshSchema('invorg'), st: h.freshSchema('invst'), tk: h.freshSchema('invtk'), rp: h.freshSchema('invrp'),
  };
  const servers = [];
  let gw;
  const clients = {};

  before(async () => {
    const org = await h.startOrgRegistry({ schema: schemas.org, trustSecret: secret, today: '2022-06-01' });
    servers.push(org);
    const staffing = await h.startStaffing({ schema: schemas.st, registry: org.target, trustSecret: secret });
    const tasks = await h.startTasks({ schema: schemas.tk, registry: org.target, trustSecret: secret });
    servers.push(staffing, tasks);
    const reporting = await h.startReporting({
      schema: schemas.rp, registry: org.target, staffing: staffing.target, tasks: tasks.target, trustSecret: secret,
    });
    servers.push(reporting);
    gw = await h.startGateway({
      schema: h.freshSchema('invgw'),
      routes: { [ORG]: org.target, [ST]: staffing.target, [TK]: tasks.target, [RP]: reporting.target },
      trustSecret: secret,
    });
    for (const s of [ORG, ST, TK, RP]) clients[s] = await h.reflectedClient(gw.target, s, { token: gw.adminToken });
    // Something to find, so that a filter that matches everything would show.
    const orgs = clients[ORG];
    const basis = { act_number: 'INV/QĐ', issuer: 'e2e' };
    const p = await orgs.CreateOrgUnit({
      request_id: 'inv-p', unit: { name: 'UBND tỉnh Thử Lỗi', kind: 'ORG_KIND_PROVINCE_COMMITTEE', code: '95' },
      effective_date: h.date(2015, 1, 1), legal_basis: basis,
    });
    await orgs.CreateOrgUnit({
      request_id: 'inv-d', unit: { name: 'Sở Nội vụ', kind: 'ORG_KIND_DEPARTMENT', parent_id: p.id, code: '95.SNV' },
      effective_date: h.date(2015, 1, 1), legal_basis: basis,
    });
  });

  after(async () => {
    for (const c of Object.values(clients)) c.close();
    if (gw) await gw.stop();
    for (const s of servers.reverse()) await s.stop();
  });

  const dump = () => execFileSync('pg_dump', [
    '--data-only', '--no-owner', '--inserts', '--rows-per-insert=1',
    ...Object.values(schemas).map((s) => `--schema=${s}`), h.TEST_PG,
  ], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\n').filter((l) => l.startsWith('INSERT')).sort();

  // The requests to try for one request type: [label, request object or Buffer of wire bytes].
  function cases(type, lookupType) {
    const out = [['empty', {}]];
    const put = (path, value) => {
      const req = {};
      let o = req;
      for (let i = 0; i < path.length - 1; i += 1) o = (o[path[i]] = {});
      o[path[path.length - 1]] = value;
      return req;
    };
    const visit = (t, path, depth) => {
      for (const f of t.field || []) {
        const p = [...path, f.name];
        const label = p.join('.');
        const repeated = f.label === 'LABEL_REPEATED';
        const v = (x) => (repeated ? [x] : x);
        switch (f.type) {
          case 'TYPE_STRING':
            out.push([`${label}: 70,000 characters`, put(p, v('x'.repeat(70000)))]);
            out.push([`${label}: SQL`, put(p, v("x'; DROP TABLE units; --"))]);
            out.push([`${label}: LIKE wildcards`, put(p, v('%_\\'))]);
            if (depth === 0) out.push([`${label}: invalid UTF-8`, lengthDelimited(f.number, Buffer.from([0x61, 0xff, 0xfe]))]);
            break;
          case 'TYPE_INT64': case 'TYPE_INT32': case 'TYPE_SINT64': case 'TYPE_SINT32':
            out.push([`${label}: -1`, put(p, v(-1))]);
            out.push([`${label}: huge`, put(p, v(f.type.endsWith('64') ? '4611686018427387904' : 2147483647))]);
            if (/(^|_)id$|_ids?$/.test(f.name)) out.push([`${label}: unknown id`, put(p, v(UNKNOWN_ID))]);
            break;
          case 'TYPE_MESSAGE':
            if (f.typeName.endsWith('google.type.Date')) {
              out.push([`${label}: 30/2/2021`, put(p, v({ year: 2021, month: 2, day: 30 }))]);
              out.push([`${label}: 0/13/0`, put(p, v({ year: 0, month: 13, day: 0 }))]);
            } else if (depth < 1) {
              const nested = lookupType(f.typeName);
              if (nested) visit(nested, p, depth + 1);
            }
            break;
          default:
            break;
        }
      }
    };
    visit(type, [], 0);
    return out;
  }

  it('refuses each with a specific code naming its field, crashes nothing and writes nothing', async () => {
    const before = dump();
    const problems = [];
    let calls = 0;
    for (const service of [ORG, ST, TK, RP]) {
      const pkg = await h.reflect(gw.target, service);
      const Ctor = service.split('.').reduce((o, k) => o[k], pkg);
      const lookupType = (typeName) => {
        const t = typeName.replace(/^\./, '').split('.').reduce((o, k) => (o ? o[k] : undefined), pkg);
        return t && t.type;
      };
      const raw = clients[service].raw;
      for (const [name, def] of Object.entries(Ctor.service)) {
        if (def.requestStream && def.responseStream) continue;  // none: the gateway refuses them
        const type = def.requestType.type;
        // A write carries a request id (a client stream's first message its header, with one).
        const isWrite = (type.field || []).some((f) => f.name === 'request_id'
          || (f.name === 'header' && def.requestStream));
        for (const [label, req] of cases(type, lookupType)) {
          const md = new grpc.Metadata();
          md.set('authorization', `Bearer ${gw.adminToken}`);
          const opts = { deadline: Date.now() + 10000 };
          calls += 1;
          // eslint-disable-next-line no-await-in-loop
          const err = await new Promise((resolve) => {
            const ser = Buffer.isBuffer(req) ? (b) => b : def.requestSerialize;
            if (def.responseStream) {
              // A server stream: read it to its end; its status is the answer.
              const call = raw.makeServerStreamRequest(def.path, ser, (b) => b, req, md, opts);
              call.on('data', () => {});
              call.on('error', (e) => resolve(e));
              call.on('status', (st) => { if (st.code === 0) resolve(null); });
            } else if (def.requestStream) {
              // A client stream: this one message, then the end.
              const call = raw.makeClientStreamRequest(def.path, ser, (b) => b, md, opts, (e) => resolve(e));
              call.write(req);
              call.end();
            } else {
              raw.makeUnaryRequest(def.path, ser, (b) => b, req, md, opts, (e) => resolve(e));
            }
          });
          const what = `${service.split('.').pop()}.${name} (${label})`;
          if (!err) {
            if (isWrite && label === 'empty') problems.push(`${what}: an empty write succeeded`);
            continue;
          }
          if (BAD_CODES.has(err.code)) {
            problems.push(`${what}: ${err.code} ${err.details}`);
          } else if (err.code === 3 && !h.errorField(err)) {
            problems.push(`${what}: INVALID_ARGUMENT without a field: ${err.details}`);
          }
        }
      }
    }
    // Wildcards in a name filter are characters, not patterns: they match no unit here.
    const asOf = h.date(2020, 1, 1);
    assert.ok((await clients[ORG].ListOrgUnits({ as_of: asOf })).units.length >= 2);
    for (const q of ['%', '_', '%%', '\\', "' OR 1=1 --"]) {
      assert.equal((await clients[ORG].ListOrgUnits({ name_query: q, as_of: asOf })).units.length, 0, q);
    }
    console.log(`${calls} invalid requests sent`);
    assert.ok(calls > 500, `only ${calls} requests: the catalogue did not find the methods`);
    assert.deepEqual(problems, []);
    assert.deepEqual(dump(), before, 'the services\' data changed');
    for (const s of servers) assert.equal(s.proc.exitCode, null, 'a server ended');
  });
});

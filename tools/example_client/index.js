#!/usr/bin/env node
// An example client of Tinh Gọn, as another provincial system would write one: Node with
// @grpc/grpc-js, the API taken from the protoset the build publishes (no server reflection,
// no generated code). It
//   1. issues a short-lived `service` token with an admin token (TokenAdmin/IssueToken),
//   2. with that token lists the units in force on a date, a page at a time (ListOrgUnits with
//      page_token), and prints them,
//   3. makes a deliberately bad call (ListOrgUnits as of 30/02/2019) and decodes the error's
//      details (grpc-status-details-bin → google.rpc.Status → BadRequest, ErrorInfo,
//      LocalizedMessage),
//   4. revokes the token it issued.
// Exit code: 0 when all went as expected, 1 on any unexpected error, 2 on bad settings.
// Settings (environment): see README.md next to this file.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const GATEWAY = process.env.TINHGON_GATEWAY || '127.0.0.1:50051';
const ADMIN_TOKEN = (process.env.TINHGON_ADMIN_TOKEN || '').trim();
const PROTOSET = process.env.TINHGON_PROTOSET || 'build/proto/tinhgon.protoset';
// google/rpc/error_details.proto (googleapis' file, vendored in the repository's proto/) is
// read from here when the protoset does not carry the detail types itself.
const RPC_PROTO_DIR = process.env.TINHGON_RPC_PROTO_DIR || path.resolve(__dirname, '..', '..', 'proto');
const AS_OF = process.env.TINHGON_AS_OF || new Date().toISOString().slice(0, 10);
const PAGE_SIZE = Number(process.env.TINHGON_PAGE_SIZE || 100);
const SUBJECT = process.env.TINHGON_SUBJECT || 'example-client';
const DEADLINE_MS = 15000;

class UsageError extends Error {}

function parseDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) throw new UsageError(`TINHGON_AS_OF=${s}: expected YYYY-MM-DD`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}
const showDate = (d) => (d ? `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}` : '-');
const showTime = (t) => (t ? new Date(Number(t.seconds) * 1000).toISOString() : '-');

// --- The schema: one FileDescriptorSet, read twice -----------------------------------------
// @grpc/proto-loader turns it into service definitions for @grpc/grpc-js; protobufjs turns it
// into message types for decoding error details.

function readProtoset() {
  if (!fs.existsSync(PROTOSET)) {
    throw new UsageError(`${PROTOSET} does not exist: build the repository (it is build/proto/tinhgon.protoset)`
      + ' or set TINHGON_PROTOSET');
  }
  return fs.readFileSync(PROTOSET);
}

// Field names as in the .proto files (snake_case); int64 as decimal strings (ids are int64);
// enums by name; unset fields with their defaults.
const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

function serviceClient(pkgDef, fullName, token) {
  const Ctor = fullName.split('.').reduce((o, k) => (o ? o[k] : undefined), grpc.loadPackageDefinition(pkgDef));
  if (typeof Ctor !== 'function') throw new Error(`${PROTOSET} has no service ${fullName}`);
  // The gateway on 127.0.0.1 speaks plaintext; behind TLS use grpc.credentials.createSsl().
  const client = new Ctor(GATEWAY, grpc.credentials.createInsecure());
  const call = (method, request) => new Promise((resolve, reject) => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    client[method](request, md, { deadline: Date.now() + DEADLINE_MS },
      (err, reply) => (err ? reject(err) : resolve(reply)));
  });
  return { call, close: () => client.close() };
}

// --- Error details -----------------------------------------------------------------------------

let detailRoots;
function detailTypeRoots(protosetBytes) {
  if (detailRoots) return detailRoots;
  const set = descriptor.FileDescriptorSet.decode(protosetBytes);
  const fromProtoset = protobuf.Root.fromDescriptor(set, { keepCase: true });
  detailRoots = [fromProtoset];
  if (!fromProtoset.lookup('google.rpc.ErrorInfo')) {
    // The protoset carries google.rpc.Status but not the detail messages: read googleapis'
    // error_details.proto (protobufjs ships google/protobuf/duration.proto, which it imports).
    const rpc = new protobuf.Root();
    rpc.resolvePath = (origin, target) => (target.startsWith('google/protobuf/') ? target : path.join(RPC_PROTO_DIR, target));
    const file = path.join(RPC_PROTO_DIR, 'google', 'rpc', 'error_details.proto');
    if (!fs.existsSync(file)) {
      throw new UsageError(`${file} does not exist: set TINHGON_RPC_PROTO_DIR to a folder holding google/rpc/error_details.proto`);
    }
    rpc.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
    rpc.resolveAll();
    detailRoots.push(rpc);
  }
  return detailRoots;
}

function lookupType(roots, name) {
  for (const root of roots) {
    const t = root.lookup(name);
    if (t instanceof protobuf.Type) return t;
  }
  return null;
}

// A failed call's google.rpc.Status with its details decoded:
// { code, message, details: [{ type, ...fields }] }, or null when the call carried none.
function decodeStatus(err, protosetBytes) {
  const bins = err.metadata ? err.metadata.get('grpc-status-details-bin') : [];
  if (!bins || bins.length === 0) return null;
  const roots = detailTypeRoots(protosetBytes);
  const Status = lookupType(roots, 'google.rpc.Status');
  const st = Status.decode(bins[0]);
  const details = st.details.map((any) => {
    const type = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
    const T = lookupType(roots, type);
    if (!T) return { type, unknown: true };
    return { type, ...T.toObject(T.decode(any.value), { defaults: true, longs: String, enums: String }) };
  });
  return { code: st.code, message: st.message, details };
}

function codeName(code) {
  return Object.keys(grpc.status).find((k) => grpc.status[k] === code) || String(code);
}

// Prints a failed call as an integrator would want to see it.
function printError(err, protosetBytes, out = console.log) {
  out(`  code: ${codeName(err.code)} (${err.code})`);
  out(`  message: ${err.details}`);
  let st = null;
  try { st = decodeStatus(err, protosetBytes); } catch (e) { out(`  (details not decoded: ${e.message})`); }
  if (!st) return null;
  for (const d of st.details) {
    switch (d.type) {
      case 'google.rpc.BadRequest':
        for (const v of d.field_violations) out(`  google.rpc.BadRequest: field ${v.field}: ${v.description}`);
        break;
      case 'google.rpc.ErrorInfo': {
        const md = Object.entries(d.metadata || {}).map(([k, v]) => `${k}=${v}`).join(', ');
        out(`  google.rpc.ErrorInfo: reason ${d.reason}, domain ${d.domain}${md ? `, metadata ${md}` : ''}`);
        break;
      }
      case 'google.rpc.LocalizedMessage':
        out(`  google.rpc.LocalizedMessage (${d.locale}): ${d.message}`);
        break;
      case 'google.rpc.QuotaFailure':
        for (const v of d.violations) out(`  google.rpc.QuotaFailure: ${v.subject}: ${v.description}`);
        break;
      default:
        out(`  ${d.type}${d.unknown ? ' (a type this client does not know)' : `: ${JSON.stringify(d)}`}`);
    }
  }
  return st;
}

// --- The run -------------------------------------------------------------------------------------

async function main() {
  if (!ADMIN_TOKEN) throw new UsageError('TINHGON_ADMIN_TOKEN is not set (an admin bearer token, e.g. var/secrets/admin_token)');
  if (!Number.isInteger(PAGE_SIZE) || PAGE_SIZE < 1) throw new UsageError(`TINHGON_PAGE_SIZE=${process.env.TINHGON_PAGE_SIZE}: expected a positive integer`);
  const asOf = parseDate(AS_OF);
  const protosetBytes = readProtoset();
  const pkgDef = protoLoader.loadFileDescriptorSetFromBuffer(protosetBytes, LOADER_OPTIONS);
  console.log(`gateway ${GATEWAY}, schema ${PROTOSET}`);

  const clients = [];
  const open = (service, token) => { const c = serviceClient(pkgDef, service, token); clients.push(c); return c; };
  const admin = open('tinhgon.gateway.v1.TokenAdmin', ADMIN_TOKEN);
  let issued = null;
  try {
    // 1. A service token: reads everything, writes nothing (no grants), lives 10 minutes.
    // Issuing again for the same subject and roles is allowed (that is how tokens rotate).
    issued = await admin.call('IssueToken', {
      subject: SUBJECT,
      roles: ['service'],
      description: `tools/example_client on ${os.hostname()}`,
      ttl: { seconds: 600, nanos: 0 },
    });
    console.log(`issued service token id=${issued.token.id} subject=${issued.token.subject}`
      + ` expires ${showTime(issued.token.expire_time)}`);

    // 2. The units in force on the date, page by page.
    const orgs = open('tinhgon.orgregistry.v1.OrgRegistry', issued.bearer_token);
    console.log(`units as of ${showDate(asOf)} (page size ${PAGE_SIZE}):`);
    let pageToken = '';
    let pages = 0;
    let count = 0;
    let total = 0;
    do {
      const page = await orgs.call('ListOrgUnits', { as_of: asOf, page_size: PAGE_SIZE, page_token: pageToken, order_by: 'id' });
      pages += 1;
      total = page.total_size;
      for (const u of page.units) {
        count += 1;
        console.log(`  ${u.id}\t${u.code || '-'}\t${u.name}\t${u.kind}\tparent ${u.parent_id}`);
      }
      pageToken = page.next_page_token;
    } while (pageToken);
    console.log(`${count} units in ${pages} page(s); total_size ${total}`);
    if (count !== total) throw new Error(`paging returned ${count} units but total_size is ${total}`);

    // 3. A deliberately bad call: 30 February. The gateway passes the service's refusal on
    // with its details; the client reads the field, the reason and the Vietnamese message.
    console.log('deliberately bad call: ListOrgUnits as of 2019-02-30');
    let refused = null;
    try {
      await orgs.call('ListOrgUnits', { as_of: { year: 2019, month: 2, day: 30 } });
    } catch (err) {
      refused = err;
    }
    if (!refused) throw new Error('ListOrgUnits as of 2019-02-30 succeeded; expected INVALID_ARGUMENT');
    const st = printError(refused, protosetBytes);
    if (refused.code !== grpc.status.INVALID_ARGUMENT) {
      throw new Error(`expected INVALID_ARGUMENT, got ${codeName(refused.code)}`);
    }
    const br = st && st.details.find((d) => d.type === 'google.rpc.BadRequest');
    if (!br || !br.field_violations.some((v) => v.field === 'as_of')) {
      throw new Error('the refusal carries no google.rpc.BadRequest naming as_of');
    }
    console.log('the refusal was decoded as expected');
  } finally {
    // 4. Tidy up: the token is short-lived anyway, but a client that is done revokes it.
    if (issued) {
      try {
        await admin.call('RevokeToken', { id: issued.token.id, reason: 'tools/example_client done' });
        console.log(`revoked service token id=${issued.token.id}`);
      } catch (err) {
        console.error(`could not revoke token id=${issued.token.id}: ${err.message}`);
      }
    }
    for (const c of clients) c.close();
  }
}

main().then(() => { process.exitCode = 0; }, (err) => {
  if (err instanceof UsageError) {
    console.error(`example_client: ${err.message}`);
    process.exitCode = 2;
    return;
  }
  console.error(`example_client: unexpected error: ${err.message}`);
  if (typeof err.code === 'number') {
    let bytes = null;
    try { bytes = readProtoset(); } catch (e) { /* printed below without details */ }
    if (bytes) printError(err, bytes, console.error);
  }
  process.exitCode = 1;
});

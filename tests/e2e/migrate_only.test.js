// Every server with --migrate_only (a deployment's migration Job): applies its migrations to a
// fresh schema and exits 0 without serving; run again, it finds nothing to do and exits 0.
'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const h = require('./harness');

const skip = h.skipReason();

const SERVERS = [
  ['org_registry_server', 'services/org_registry/org_registry_server'],
  ['staffing_server', 'services/staffing/staffing_server'],
  ['tasks_server', 'services/tasks/tasks_server'],
  ['reporting_server', 'services/reporting/reporting_server'],
  ['gateway_server', 'services/gateway/gateway_server'],
];

describe('--migrate_only', { skip: skip || false }, () => {
  for (const [name, rel] of SERVERS) {
    it(`${name} migrates its schema and exits 0, twice`, () => {
      const schema = h.freshSchema('mig');
      h.psql(`CREATE SCHEMA ${schema}`);
      try {
        // A listen address no one could serve on without a trust secret: not checked here.
        const args = [`--db=${h.TEST_PG}`, `--schema=${schema}`, '--listen=0.0.0.0:1', '--migrate_only'];
        const env = { ...process.env };
        for (const k of Object.keys(env)) if (k.startsWith('TINHGON_')) delete env[k];
        for (let i = 0; i < 2; i += 1) {
          const r = spawnSync(`${h.BUILD}/${rel}`, args, { env, encoding: 'utf8', timeout: 60000 });
          assert.equal(r.status, 0, `${name} run ${i + 1}: ${r.status} ${r.signal}\n${r.stderr}`);
          assert.match(r.stderr, /--migrate_only: schema \S+ is migrated; exiting/);
          assert.doesNotMatch(r.stderr, /listening on/);
        }
        const out = h.psql(`SELECT count(*) FROM ${schema}.schema_migrations`);
        const applied = Number((out.match(/^\s*(\d+)\s*$/m) || [])[1]);
        assert.ok(applied > 0, `${applied} migrations recorded:\n${out}`);
      } finally {
        h.psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }
    });
  }
});

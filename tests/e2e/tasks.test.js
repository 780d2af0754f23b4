// Tasks end to end: a real gateway in front of a real org registry (loaded with the Lâm Đồng
// sample by tools/seed_loader) and a real tasks service, each trusting only principals signed with
// the shared secret. The seed plan goes in through tools/import_plan via the gateway, as an
// administrator would; everything else through a client that knows the API only through the
// gateway's reflection.
'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const h = require('./harness');

const ORG = 'tinhgon.orgregistry.v1.OrgRegistry';
const TK = 'tinhgon.tasks.v1.Tasks';
const ADMIN = 'tinhgon.gateway.v1.TokenAdmin';
const PLAN = path.join(h.REPO, 'data', 'plans', 'ke-hoach-lam-dong-nq18.txt');
const PROGRESS = path.join(h.REPO, 'data', 'plans', 'ke-hoach-lam-dong-nq18.progress.tsv');
const UNITS = path.join(h.REPO, 'data', 'lam_dong', 'units.tsv');
const END_2021 = h.date(2021, 12, 31);
const skip = h.skipReason();

describe('tasks', { skip: skip || false }, () => {
  const secret = crypto.randomBytes(24).toString('hex');
  let org;
  let tasks;
  let gw;
  const clients = [];
  const client = async (service, token) => {
    const c = await h.reflectedClient(gw.target, service, { token });
    clients.push(c);
    return c;
  };
  const ids = {};  // unit code → id
  let admin;
  let orgs;
  let planId;
  let tokens;
  const issue = async (subject, roles, unit = 0) => (await tokens.IssueToken({
    subject, roles, org_unit_id: unit, ttl: { seconds: '3600' },
  })).bearer_token;
  const importArgs = (extra) => [
    `--target=${gw.target}`, `--token=${gw.adminToken}`, `--file=${PLAN}`,
    `--issuer_id=${ids['68']}`, '--number=E2E/KH-UBND', '--issued=2018-05-15', ...extra,
  ];
  const field = h.errorField;
  const reason = h.errorReason;
  const findTask = async (snippet, leadName, asOf = END_2021) => {
    const all = await admin.ListTasks({ plan_id: planId, as_of: asOf, page_size: 1000 });
    return all.tasks.find((t) => t.text.includes(snippet) && t.child_count === 0 &&
      (!leadName || (t.lead && t.lead.name.includes(leadName))));
  };

  before(async () => {
    org = await h.startOrgRegistry({ schema: h.freshSchema('tkorg'), trustSecret: secret, today: '2022-06-01' });
    tasks = await h.startTasks({ schema: h.freshSchema('tk'), registry: org.target, trustSecret: secret });
    gw = await h.startGateway({
      schema: h.freshSchema('tkgw'),
      routes: { [ORG]: org.target, [TK]: tasks.target },
      trustSecret: secret,
    });
    const seeded = await h.runTool('tools/seed_loader', [`--target=${gw.target}`, `--token=${gw.adminToken}`, `--file=${UNITS}`]);
    assert.equal(seeded.code, 0, seeded.stderr);
    for (const line of seeded.stdout.split('\n')) {
      const m = /^(created|existing)\s+(\S+)\s+id=(\d+)\s/.exec(line);
      if (m) ids[m[2]] = m[3];
    }
    admin = await client(TK, gw.adminToken);
    orgs = await client(ORG, gw.adminToken);
    tokens = await client(ADMIN, gw.adminToken);
  });

  after(async () => {
    for (const c of clients) c.close();
    if (gw) await gw.stop();
    if (tasks) await tasks.stop();
    if (org) await org.stop();
  });

  it('imports the seed plan: a dry run as a table writes nothing, a commit stores it once', async () => {
    const dry = await h.runTool('tools/import_plan', importArgs([]));
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^DRY RUN/);
    assert.match(dry.stdout, /time phrases: (\d+) found, \1 parsed/);  // every phrase parses
    assert.match(dry.stdout, /B\.II\.2\.b-8 .* Sở Nội vụ #/);  // the district merger scheme
    assert.doesNotMatch(dry.stdout, /TIME_PHRASE_UNPARSED/);
    assert.equal((await admin.ListPlans({})).plans.length, 0);

    const first = await h.runTool('tools/import_plan', importArgs(['--commit', `--progress=${PROGRESS}`]));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^COMMITTED: plan id=(\d+)/);
    planId = /^COMMITTED: plan id=(\d+)/.exec(first.stdout)[1];
    assert.match(first.stdout, /progress: 7 updates/);
    const stored = await admin.ListTasks({ plan_id: planId, page_size: 1000 });
    const n = Number(/\n(\d+) tasks,/.exec(first.stdout)[1]);
    assert.equal(stored.tasks.length, n);
    // The same command again: the same plan, nothing new (the request id comes from the file).
    const again = await h.runTool('tools/import_plan', importArgs(['--commit', `--progress=${PROGRESS}`]));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^COMMITTED: plan id=${planId} `));
    assert.equal((await admin.ListPlans({})).plans.length, 1);
    assert.equal((await admin.ListTasks({ plan_id: planId, page_size: 1000 })).tasks.length, n);
    assert.equal((await admin.ListProgressUpdates({ plan_id: planId })).updates.length, 7);
    // A task given to every department and district fans out, one child per agency.
    const group = stored.tasks.find((t) => t.section_path === 'B.II.1.b');
    assert.ok(group && group.assignee_group, JSON.stringify(group));
    const children = await admin.ListTasks({ parent_task_id: group.id, page_size: 1000 });
    assert.equal(children.tasks.length, group.child_count);
    assert.ok(children.tasks.some((t) => t.lead.name === 'UBND huyện Lâm Hà'));
  });

  it('counts the four categories as of a date, in total and per lead', async () => {
    const c = await admin.CountTasks({ plan_id: planId, as_of: END_2021, by_lead: true });
    const by = Object.fromEntries(c.timeliness.map((x) => [x.timeliness, x.count]));
    for (const k of ['TIMELINESS_DONE_ON_TIME', 'TIMELINESS_DONE_LATE', 'TIMELINESS_WITHIN_DEADLINE', 'TIMELINESS_OVERDUE']) {
      assert.ok(by[k] > 0, `${k}: ${JSON.stringify(c.timeliness)}`);
    }
    assert.equal(c.by_lead.reduce((s, l) => s + l.total, 0), c.total);
    const snv = c.by_lead.find((l) => l.lead && l.lead.name === 'Sở Nội vụ');
    assert.ok(snv && snv.total > 0);
    // The sample's late one: due 2019, done 10/3/2020.
    const late = await findTask('sơ kết thực hiện mô hình tự quản', 'Sở Nội vụ');
    assert.equal(late.timeliness, 'TIMELINESS_DONE_LATE');
    assert.equal(late.status, 'TASK_STATUS_DONE');
    // As of a day before it was done it was overdue: the same task, an earlier date.
    const before = await admin.GetTask({ id: late.id, as_of: h.date(2020, 3, 1) });
    assert.equal(before.timeliness, 'TIMELINESS_OVERDUE');
    const overdue = await admin.ListTasks({ plan_id: planId, as_of: END_2021, timeliness: ['TIMELINESS_OVERDUE'], page_size: 1000 });
    assert.equal(overdue.tasks.length, by.TIMELINESS_OVERDUE + overdue.tasks.filter((t) => t.child_count > 0).length);
    assert.ok(overdue.tasks.every((t) => t.timeliness === 'TIMELINESS_OVERDUE'));
    // Pages of 40 give the same list as one page, in the same order; a forged token is refused.
    let token = '';
    const paged = [];
    do {
      const page = await admin.ListTasks({ plan_id: planId, as_of: END_2021, timeliness: ['TIMELINESS_OVERDUE'], page_size: 40, page_token: token });
      paged.push(...page.tasks.map((t) => t.id));
      token = page.next_page_token;
    } while (token);
    assert.deepEqual(paged, overdue.tasks.map((t) => t.id));
    const forged = await admin.ListTasks({ plan_id: planId, page_token: 'bm90LWEtdG9rZW4' }).then(() => null, (e) => e);
    assert.equal(forged && forged.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(field(forged), 'page_token');
    const due2019 = await admin.ListTasks({ plan_id: planId, as_of: END_2021, due_from: h.date(2019, 1, 1), due_to: h.date(2019, 12, 31), page_size: 1000 });
    assert.ok(due2019.tasks.length > 0);
    assert.ok(due2019.tasks.every((t) => t.due_date.year === 2019));
  });

  it('lets an agency report on the tasks it leads or coordinates, and nothing else', async () => {
    const snvToken = await issue('so-noi-vu', ['agency'], ids['68.SNV']);
    const stcToken = await issue('so-tai-chinh', ['agency'], ids['68.STC']);
    const snv = await client(TK, snvToken);
    const stc = await client(TK, stcToken);
    const task = await findTask('Chủ trì, phối hợp với các cơ quan có liên quan triển khai xây dựng Đề án sáp nhập', 'Sở Nội vụ');
    assert.ok(task, 'the district merger scheme task');
    const update = (extra) => ({
      request_id: crypto.randomUUID(),
      update: {
        task_id: task.id, report_date: h.date(2021, 3, 1), state: 'WORK_STATE_IN_PROGRESS',
        percent_complete: 80, text: 'Đang hoàn thiện', ...extra,
      },
    });
    const made = await snv.CreateProgressUpdate(update({}));
    assert.equal(made.reported_by.id, ids['68.SNV']);
    const other = await stc.CreateProgressUpdate(update({})).then(() => null, (e) => e);
    assert.equal(other && other.code, grpc.status.PERMISSION_DENIED);
    assert.equal(reason(other), 'NOT_TASK_AGENCY');
    // Bad input names the field and writes nothing.
    const before = (await admin.ListProgressUpdates({ task_id: task.id })).updates.length;
    for (const [extra, f] of [
      [{ percent_complete: 150 }, 'update.percent_complete'],
      [{ text: '' }, 'update.text'],
      [{ state: 'WORK_STATE_DONE', percent_complete: 100 }, 'update.completed_on'],
      [{ report_date: h.date(2030, 1, 1) }, 'update.report_date'],
      [{ evidence: [{ number: 'X', url: 'javascript:alert(1)' }] }, 'update.evidence[0].url'],
    ]) {
      const err = await snv.CreateProgressUpdate(update(extra)).then(() => null, (e) => e);
      assert.ok(err, JSON.stringify(extra));
      assert.equal(err.code, grpc.status.INVALID_ARGUMENT, JSON.stringify(extra));
      assert.equal(field(err), f, JSON.stringify(extra));
    }
    assert.equal((await admin.ListProgressUpdates({ task_id: task.id })).updates.length, before);
    // The gateway refuses what agencies may never do.
    const imp = await snv.ImportPlanText({ request_id: 'x', plan_id: planId, text: 'x', dry_run: true }).then(() => null, (e) => e);
    assert.equal(imp && imp.code, grpc.status.PERMISSION_DENIED);
    const viewer = await client(TK, await issue('xem', ['viewer']));
    const v = await viewer.CreateProgressUpdate(update({})).then(() => null, (e) => e);
    assert.equal(v && v.code, grpc.status.PERMISSION_DENIED);
  });

  // The gateway's policy and the service's own-unit rules, method by method and role by role:
  // what the policy lets through the service still checks (an agency writes its own plans and
  // reports on the tasks it leads or coordinates); what it refuses never reaches the service.
  // Every refusal writes nothing.
  it('agrees with the gateway on every role and method (the authorization matrix)', async () => {
    const roles = {
      admin: gw.adminToken,
      'agency own': await issue('m-snv', ['agency'], ids['68.SNV']),
      'agency other': await issue('m-stc', ['agency'], ids['68.STC']),
      viewer: await issue('m-viewer', ['viewer']),
      service: await issue('m-service', ['service']),
      reporter: await issue('m-report', ['reporter']),
    };
    // Sở Nội vụ's own plan with one task it leads, made by the administrator.
    const plan = await admin.CreatePlan({
      request_id: 'matrix-plan',
      plan: { number: 'MATRIX/KH-SNV', issued_date: h.date(2018, 6, 1), issuer: { id: ids['68.SNV'] }, title: 'Kế hoạch của Sở Nội vụ' },
    });
    const task = await admin.CreateTask({
      request_id: 'matrix-task',
      task: { plan_id: plan.id, text: 'Rà soát vị trí việc làm', lead: { id: ids['68.SNV'] }, window: { source_text: 'hoàn thành năm 2021' } },
    });
    // Given to a class of agencies, a task fans out over the members on the plan's date.
    const fanned = await admin.CreateTask({
      request_id: 'matrix-group',
      task: { plan_id: plan.id, text: 'Rà soát thôn, tổ dân phố', assignee_group: 'UBND các huyện, thành phố', window: { source_text: 'hoàn thành năm 2020' } },
    });
    assert.ok(fanned.child_count >= 10, `${fanned.child_count} district committees`);
    assert.equal(fanned.lead, null);
    const counts = async () => {
      const plans = (await admin.ListPlans({ page_size: 1000 })).plans;
      let nTasks = 0;
      for (const p of plans) nTasks += (await admin.ListTasks({ plan_id: p.id, page_size: 1000 })).tasks.length;
      const updates = (await admin.ListProgressUpdates({ task_id: task.id })).updates.length;
      const changes = (await admin.ListTaskChanges({ task_id: task.id })).changes.length;
      return [plans.length, nTasks, updates, changes];
    };
    // method → [call, who may: role → expected code]
    const OK = grpc.status.OK;
    const DENIED = grpc.status.PERMISSION_DENIED;
    const only = (allowed) => (role) => (allowed.includes(role) ? OK : DENIED);
    let n = 0;
    const rid = () => `matrix-${++n}`;
    const calls = {
      ListTasks: [(c) => c.ListTasks({ plan_id: plan.id }), () => OK],
      CountTasks: [(c) => c.CountTasks({ plan_id: plan.id, as_of: END_2021 }), () => OK],
      CreatePlan: [(c) => c.CreatePlan({
        request_id: rid(),
        plan: { number: `MATRIX-${n}/KH`, issued_date: h.date(2018, 6, 1), issuer: { id: ids['68.SNV'] }, title: 'Kế hoạch thử' },
      }), only(['admin', 'agency own'])],
      // Sở Nội vụ's plan: its own agency and admins may change it.
      UpdatePlan: [async (c) => c.UpdatePlan({
        request_id: rid(),
        plan: { id: plan.id, etag: (await admin.GetPlan({ id: plan.id })).etag, title: `Kế hoạch của Sở Nội vụ (${n})` },
        update_mask: { paths: ['title'] },
      }), only(['admin', 'agency own'])],
      CreateTask: [(c) => c.CreateTask({
        request_id: rid(),
        task: { plan_id: plan.id, text: `Nhiệm vụ ${n}`, lead: { id: ids['68.SNV'] }, window: { source_text: 'năm 2020' } },
      }), only(['admin', 'agency own'])],
      ChangeTask: [async (c) => c.ChangeTask({
        request_id: rid(), etag: (await admin.GetTask({ id: task.id })).etag,
        change: { task_id: task.id, kind: 'TASK_CHANGE_KIND_EXTEND_DEADLINE', effective_date: h.date(2021, 6, 1), reason: 'Gia hạn', new_end: { year: 2022 } },
      }), only(['admin', 'agency own'])],
      CreateProgressUpdate: [(c) => c.CreateProgressUpdate({
        request_id: rid(),
        update: { task_id: task.id, reported_by: { id: ids['68.SNV'] }, report_date: h.date(2021, 3, 1), state: 'WORK_STATE_IN_PROGRESS', percent_complete: 30, text: 'Đang rà soát' },
      }), only(['admin', 'agency own'])],
      ImportPlanText: [(c) => c.ImportPlanText({
        request_id: rid(), new_plan: { number: `MATRIX-I${n}`, issued_date: h.date(2018, 6, 1), issuer: { id: ids['68.SNV'] }, title: 'Kế hoạch nhập thử' },
        text: 'B. NHIỆM VỤ\n1. Sở Nội vụ:\n- Rà soát (hoàn thành năm 2020).\n', dry_run: true,
      }), only(['admin'])],
    };
    for (const [role, token] of Object.entries(roles)) {
      const c = await client(TK, token);
      for (const [method, [call, expect]] of Object.entries(calls)) {
        const before = await counts();
        const err = await call(c).then(() => null, (e) => e);
        const want = expect(role);
        assert.equal(err ? err.code : OK, want, `${role} ${method}: ${err && err.details}`);
        if (want !== OK) {
          assert.deepEqual(await counts(), before, `${role} ${method} wrote something`);
          // The service's own-unit refusal names the rule; the gateway's names none of the service's.
          if (role === 'agency other' && method !== 'ImportPlanText') {
            assert.match(reason(err), /^NOT_/, `${role} ${method}`);
          }
        }
      }
    }
  });

  it('extends, cancels and hands tasks on, each from its effective date', async () => {
    const task = await findTask('sơ kết thực hiện mô hình tự quản', 'Sở Nội vụ');
    // Overdue as of 2019-12-31 + 1; an extension to Q2/2020 effective 2019-12-15 makes it
    // within the deadline then, and the late completion (10/3/2020) on time.
    const extended = await admin.ChangeTask({
      request_id: 'extend-1', etag: task.etag,
      change: {
        task_id: task.id, kind: 'TASK_CHANGE_KIND_EXTEND_DEADLINE', effective_date: h.date(2019, 12, 15),
        reason: 'Gia hạn theo đề nghị của Sở Nội vụ', new_end: { quarter: { year: 2020, quarter: 2 } },
        legal_basis: { act_number: 'MẪU-05/VP-UBND', issuer: 'e2e' },
      },
    });
    assert.equal(extended.due_date.month, 6);
    assert.equal((await admin.GetTask({ id: task.id, as_of: END_2021 })).timeliness, 'TIMELINESS_DONE_ON_TIME');
    assert.equal((await admin.GetTask({ id: task.id, as_of: h.date(2019, 12, 14) })).due_date.year, 2019);
    const stale = await admin.ChangeTask({
      request_id: 'extend-2', etag: task.etag,
      change: { task_id: task.id, kind: 'TASK_CHANGE_KIND_CANCEL', effective_date: h.date(2021, 1, 1), reason: 'x' },
    }).then(() => null, (e) => e);
    assert.equal(stale && stale.code, grpc.status.ABORTED);

    // A task of Sở Ngoại vụ; the department merges into Văn phòng UBND tỉnh on 2020-01-01.
    const own = await admin.CreatePlan({
      request_id: 'plan-2',
      plan: { number: 'E2E-2/KH', issued_date: h.date(2018, 6, 1), issuer: { id: ids['68'] }, title: 'Kế hoạch thử' },
    });
    const t = await admin.CreateTask({
      request_id: 'task-snv',
      task: {
        plan_id: own.id, text: 'Rà soát chức năng đối ngoại', lead: { id: ids['68.SNGV'] },
        window: { source_text: 'hoàn thành năm 2021' },
      },
    });
    assert.equal(t.due_date.year, 2021);
    await orgs.MergeOrgUnits({
      request_id: 'merge-sngv',
      sources: [{ id: ids['68.SNGV'] }], into: { id: ids['68.VPUBND'] },
      effective_date: h.date(2020, 1, 1), legal_basis: { act_number: 'MẪU-06/NQ-HĐND', issuer: 'e2e' },
    });
    const then = await admin.GetTask({ id: t.id, as_of: h.date(2019, 6, 1) });
    assert.equal(then.lead.id, ids['68.SNGV']);
    const now = await admin.GetTask({ id: t.id, as_of: h.date(2020, 6, 1) });
    assert.equal(now.lead.id, ids['68.VPUBND']);
    assert.equal(now.original_lead.id, ids['68.SNGV']);
    assert.match(now.lead_note, /MERGE 2020-01-01/);
    const vp = await admin.ListTasks({ unit_id: ids['68.VPUBND'], as_of: h.date(2020, 6, 1), page_size: 1000 });
    assert.ok(vp.tasks.some((x) => x.id === t.id));

    // Cancelled: no more progress.
    const fresh = await admin.GetTask({ id: t.id });
    await admin.ChangeTask({
      request_id: 'cancel-1', etag: fresh.etag,
      change: { task_id: t.id, kind: 'TASK_CHANGE_KIND_CANCEL', effective_date: h.date(2020, 9, 1), reason: 'Không còn phù hợp' },
    });
    assert.equal((await admin.GetTask({ id: t.id, as_of: h.date(2020, 9, 1) })).status, 'TASK_STATUS_CANCELLED');
    const refused = await admin.CreateProgressUpdate({
      request_id: 'after-cancel',
      update: { task_id: t.id, reported_by: { id: ids['68.VPUBND'] }, report_date: h.date(2021, 1, 1), state: 'WORK_STATE_IN_PROGRESS', percent_complete: 10, text: 'x' },
    }).then(() => null, (e) => e);
    assert.equal(refused && refused.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(reason(refused), 'TASK_CANCELLED');
  });
});

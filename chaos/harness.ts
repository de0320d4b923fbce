/**
 * The chaos suite: cases driven through random valid actions over HTTP while the worker is SIGKILLed and
 * restarted, the API restarted, and PostgreSQL stopped for a while. At the end every invariant that
 * "nothing is lost" means is checked, and the counts are reported.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { and, asc, eq } from 'drizzle-orm';
import { createApiKey, type PrincipalRole } from '../db/api-keys.js';
import { createDb, type Database } from '../db/client.js';
import { prepareDatabase } from '../db/prepare.js';
import { caseTimeline, cases, notifications, processDefinitions, sanctions, units } from '../db/schema.js';
import type { CaseView } from '../domain/engine/types.js';
import type { LimitByUrgency } from '../domain/process/definition.js';
import { loadConfig } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { EmbeddedPostgres, freePort } from '../infra/postgres.js';
import { spawnService, type ServiceProcess } from '../infra/service-process.js';
import { createClient } from '../infra/temporal.js';
import { shippedProcess } from '../processes/shipped.js';
import { accountabilityStateQuery, caseStateQuery, complaintWorkflowId, unitAccountabilityWorkflowId } from '../workflows/messages.js';

export interface ChaosOptions {
  /** A running Temporal server (the harness starts everything else itself). */
  temporalAddress: string;
  namespace: string;
  cases: number;
  workerKills: number;
  apiRestarts: number;
  dbOutages: number;
  /** Cases driven at once. */
  concurrency: number;
  seed: number;
  logger: Logger;
  progress?: (line: string) => void;
  /** A folder for the worker's and the API's whole output (worker.log, api.log, appended across restarts). */
  logsDir?: string;
}

export interface ChaosReport {
  seed: number;
  durationSeconds: number;
  cases: number;
  closedCases: number;
  acceptedIntakes: number;
  acceptedActions: number;
  refusedActions: number;
  retriedRequests: number;
  faults: { workerKills: number; apiRestarts: number; dbOutages: number };
  invariantsChecked: number;
  violations: string[];
}

/** The action paths of the API and the timeline entries they leave. */
const ACTIONS: Record<string, { path: string; entry: string | string[] }> = {
  signFor: { path: 'sign-for', entry: 'signed' },
  resolve: { path: 'resolve', entry: 'resolved' },
  return: { path: 'return', entry: 'returned' },
  whistle: { path: 'whistle', entry: 'whistled' },
  requestExtension: { path: 'extension-request', entry: 'extension-requested' },
  decideExtension: { path: 'extension-decision', entry: ['extension-approved', 'extension-denied'] },
  dispatch: { path: 'dispatch', entry: 'dispatched' },
  reportIn: { path: 'report-in', entry: 'reported-in' },
  evaluate: { path: 'evaluation', entry: 'evaluated' },
  arbitrate: { path: 'arbitration', entry: 'arbitrated' },
};

/** A small seeded generator (mulberry32): the same seed drives the same choices. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const both = (limit: string): LimitByUrgency => ({ urgent: limit, normal: limit });

interface Accepted {
  entry: string | string[];
  keyId: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const rand = random(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const say = options.progress ?? (() => {});
  const taskQueue = `chaos-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jiesu-chaos-'));
  const postgres = await EmbeddedPostgres.start({ dataDir: path.join(dataDir, 'pg'), persistent: false, database: 'jiesu', logger: options.logger });
  const database: Database = createDb({ url: postgres.url, max: 4, connectionTimeoutMillis: 2_000 });
  const services: { worker?: ServiceProcess; api?: ServiceProcess } = {};
  const report: ChaosReport = {
    seed: options.seed,
    durationSeconds: 0,
    cases: 0,
    closedCases: 0,
    acceptedIntakes: 0,
    acceptedActions: 0,
    refusedActions: 0,
    retriedRequests: 0,
    faults: { workerKills: 0, apiRestarts: 0, dbOutages: 0 },
    invariantsChecked: 0,
    violations: [],
  };
  const connection = await Connection.connect({ address: options.temporalAddress });
  const config = loadConfig({ TEMPORAL_ADDRESS: options.temporalAddress, TEMPORAL_NAMESPACE: options.namespace, TEMPORAL_TASK_QUEUE: taskQueue, DATABASE_URL: postgres.url });
  const client = createClient(connection, config);

  try {
    await prepareDatabase(postgres.url, { sampleDistrict: true });
    // Short limits on signing and evaluation, so timers fire, escalate and close cases during the run.
    const shipped = await shippedProcess();
    const nodes = Object.fromEntries(
      Object.entries(shipped.nodes).map(([id, node]) => {
        if (node.type !== 'userTask') return [id, node];
        const limit = node.task === 'signFor' ? both('PT20S') : node.task === 'evaluate' ? both('PT40S') : both('PT10M');
        return [id, { ...node, limit, ...(node.reopenLimit ? { reopenLimit: both('PT10M') } : {}), ...(node.reportInLimit ? { reportInLimit: both('PT30S') } : {}) }];
      }),
    );
    const version = shipped.version + 1;
    await database.db.insert(processDefinitions).values({ key: shipped.key, version, name: 'Chaos limits', format: 'bpmn', definition: { ...shipped, version, nodes } });

    const unitRows = await database.db.select().from(units);
    const childrenOf = (id: string) => unitRows.filter((u) => u.parentId === id);
    const communities = unitRows.filter((u) => u.kind === 'community');
    const departments = unitRows.filter((u) => u.kind === 'department');
    const keys = new Map<string, { key: string; id: string }>();
    const keyFor = async (role: PrincipalRole, binding?: string) => {
      const name = `${role}:${binding ?? ''}`;
      if (!keys.has(name)) {
        const bound = role === 'intake' ? { source: 'chaos' } : binding ? { unitId: binding } : {};
        const { key, row } = await createApiKey(database.db, { name, role, ...bound });
        keys.set(name, { key, id: row.id });
      }
      return keys.get(name)!;
    };
    for (const u of unitRows) await keyFor('handler', u.id);
    for (const u of unitRows.filter((x) => x.kind === 'street' || x.kind === 'centre')) {
      await keyFor('dispatcher', u.id);
      await keyFor('supervisor', u.id);
    }
    const admin = await keyFor('admin');
    const evaluator = await keyFor('evaluator');
    const intake = await keyFor('intake');

    const apiPort = await freePort();
    const env = {
      JIESU_ENV: 'test',
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: options.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: postgres.url,
      PORT: String(apiPort),
      LOG_LEVEL: 'warn',
      INTAKE_RATE_LIMIT: '100000',
    };
    const startWorker = async () => {
      services.worker = spawnService('worker/main.ts', { ...env, LOG_LEVEL: 'info' }, [], options.logsDir ? { logFile: path.join(options.logsDir, 'worker.log') } : {});
      await services.worker.waitFor(/Worker running/, 120_000);
    };
    const startApi = async () => {
      services.api = spawnService('api/server.ts', { ...env, LOG_LEVEL: 'info' }, [], options.logsDir ? { logFile: path.join(options.logsDir, 'api.log') } : {});
      await services.api.waitFor(/Server listening/, 120_000);
    };
    await Promise.all([startWorker(), startApi()]);
    const base = `http://127.0.0.1:${apiPort}`;

    /** One API call, retried through restarts and outages; resolves with the final answer. */
    const call = async (key: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const response = await fetch(`${base}${url}`, {
            method,
            headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            signal: AbortSignal.timeout(60_000),
          });
          const json: unknown = await response.json().catch(() => null);
          if (response.status >= 500) throw new Error(`${response.status}`);
          return { status: response.status, json };
        } catch (error) {
          report.retriedRequests += 1;
          if (attempt > 200) throw new Error(`${method} ${url} kept failing: ${(error as Error).message}`);
          await sleep(250 + Math.min(attempt, 10) * 250);
        }
      }
    };

    // ---------------------------------------------------------------- faults
    const faults = (async () => {
      const plan = [
        ...Array.from({ length: options.workerKills }, () => 'worker' as const),
        ...Array.from({ length: options.apiRestarts }, () => 'api' as const),
        ...Array.from({ length: options.dbOutages }, () => 'db' as const),
      ].sort(() => rand() - 0.5);
      for (const fault of plan) {
        await sleep(1_500 + rand() * 2_500);
        if (fault === 'worker') {
          await services.worker!.kill('SIGKILL');
          report.faults.workerKills += 1;
          await sleep(500 + rand() * 2_000);
          await startWorker();
        } else if (fault === 'api') {
          await services.api!.kill('SIGTERM');
          report.faults.apiRestarts += 1;
          await startApi();
        } else {
          await postgres.stop();
          report.faults.dbOutages += 1;
          await sleep(3_000 + rand() * 3_000);
          await postgres.start();
        }
        say(`faults: ${report.faults.workerKills} worker kills, ${report.faults.apiRestarts} API restarts, ${report.faults.dbOutages} database outages`);
      }
    })();

    // ---------------------------------------------------------------- driving
    const accepted = new Map<string, Accepted[]>();
    const accept = (caseNo: string, entry: string | string[], keyId: string) => {
      accepted.set(caseNo, [...(accepted.get(caseNo) ?? []), { entry, keyId }]);
      report.acceptedActions += 1;
    };

    /** One random allowed action on a case, by a key that may take it; false when the case is done. */
    const step = async (caseNo: string, finishing: boolean): Promise<boolean> => {
      for (let wait = 0; wait < 100; wait += 1) {
        const acted = await attempt(caseNo, finishing);
        if (acted !== 'wait') return acted;
        await sleep(100);
      }
      return true;
    };
    /** `wait` while the case is still being routed or has no task yet. */
    const attempt = async (caseNo: string, finishing: boolean): Promise<boolean | 'wait'> => {
      const read = await call(admin.key, 'GET', `/v1/complaints/${caseNo}`);
      if (read.status !== 200) return true;
      const view = read.json as CaseView;
      if (view.outcome !== null) return false;
      const holder = view.unitId;
      const task = view.tasks[0];
      if (!task || !holder || task.deadline === null) return 'wait';
      const options_: Array<[weight: number, role: PrincipalRole, binding: string | undefined, action: keyof typeof ACTIONS, body: unknown]> = [];
      const handler = (action: keyof typeof ACTIONS, body: unknown, weight: number, unit = holder) => options_.push([weight, 'handler', unit, action, body]);
      const allowed = (role: string, action: string) => view.allowedActions[role as 'handler']?.includes(action as 'signFor') ?? false;
      if (allowed('handler', 'signFor')) handler('signFor', {}, 10);
      if (allowed('handler', 'reportIn')) for (const r of task.reportIns.filter((x) => x.at === null)) handler('reportIn', {}, 10, r.unitId);
      if (allowed('handler', 'resolve') && !(task.task === 'jointHandle' && task.reportIns.find((r) => r.unitId === view.lead)?.at === null)) handler('resolve', { reply: 'Handled' }, 8);
      if (!finishing) {
        if (allowed('handler', 'return')) handler('return', { reason: 'Not ours' }, 1);
        if (allowed('handler', 'whistle')) handler('whistle', { reason: 'Need help' }, 1);
        if (allowed('handler', 'requestExtension') && task.deadline !== null) handler('requestExtension', { reason: 'More time' }, 1);
      }
      if (task.pendingExtension) {
        // The level above decides: a community's street, a street's or a department's centre.
        const approver = unitRows.find((u) => u.id === holder)?.parentId;
        if (approver) options_.push([6, 'dispatcher', approver, 'decideExtension', { approve: rand() < 0.5 }]);
      }
      if (allowed('dispatcher', 'dispatch')) {
        const kids = childrenOf(holder);
        const target = holder === 'centre' && (finishing || rand() < 0.7) ? pick(departments) : kids.length > 0 ? pick(kids) : pick(communities);
        const co = target.kind === 'department' && rand() < 0.4 ? [pick(departments.filter((d) => d.id !== target.id)).id] : [];
        options_.push([10, 'dispatcher', holder, 'dispatch', { unitId: target.id, ...(co.length ? { coUnitIds: co } : {}) }]);
      }
      if (allowed('dispatcher', 'arbitrate')) options_.push([10, 'supervisor', holder, 'arbitrate', { unitId: pick(departments).id, ruling: 'Ruled' }]);
      if (allowed('evaluator', 'evaluate')) {
        const rating = finishing ? 'satisfied' : pick(['satisfied', 'satisfied', 'basically-satisfied', 'unsatisfied'] as const);
        options_.push([10, 'evaluator', undefined, 'evaluate', { rating }]);
      }
      if (options_.length === 0) return 'wait';
      const total = options_.reduce((sum, o) => sum + o[0], 0);
      let roll = rand() * total;
      const [, role, binding, action, body] = options_.find((o) => (roll -= o[0]) < 0) ?? options_[0]!;
      const key = role === 'evaluator' ? evaluator : await keyFor(role, binding);
      const answer = await call(key.key, 'POST', `/v1/complaints/${caseNo}/${ACTIONS[action]!.path}`, body);
      if (answer.status === 200) accept(caseNo, ACTIONS[action]!.entry, key.id);
      else report.refusedActions += 1;
      return true;
    };

    const caseNos: string[] = [];
    let next = 0;
    const driver = async () => {
      while (next < options.cases) {
        const index = next++;
        const ticketId = `C${options.seed}-${index}`;
        const filed = await call(intake.key, 'POST', '/v1/complaints', {
          ticketId,
          title: `Chaos case ${index}`,
          description: 'Generated by the chaos suite',
          category: pick(['neighbour-dispute', 'property-management', 'food-safety', 'not-on-the-list', 'group-rental']),
          urgency: rand() < 0.2 ? 'urgent' : 'normal',
          location: { unitId: pick(communities).id },
          citizen: { name: 'Chaos Citizen', phone: '13000000000' },
        });
        if (filed.status !== 201) {
          report.violations.push(`intake of ${ticketId} answered ${filed.status}`);
          continue;
        }
        const { caseNo } = filed.json as { caseNo: string };
        caseNos.push(caseNo);
        report.acceptedIntakes += 1;
        const steps = 2 + Math.floor(rand() * 5);
        for (let s = 0; s < steps; s += 1) if (!(await step(caseNo, false))) break;
        say(`cases: ${caseNos.length}/${options.cases} filed, ${report.acceptedActions} actions accepted`);
      }
    };
    // While the faults run, keep acting on open cases so that every fault lands on live traffic.
    let faultsDone = false;
    void faults.then(() => (faultsDone = true));
    const stir = async () => {
      while (!faultsDone && caseNos.length > 0) await step(pick(caseNos), false);
    };
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      await driver();
      await stir();
    }));
    await faults;

    // ---------------------------------------------------------------- closing every case
    say('closing every case');
    await Promise.all(
      Array.from({ length: options.concurrency }, async (_, lane) => {
        for (let i = lane; i < caseNos.length; i += options.concurrency) {
          const deadline = Date.now() + 180_000;
          while (Date.now() < deadline && (await step(caseNos[i]!, true))) await sleep(50);
        }
      }),
    );

    // ---------------------------------------------------------------- invariants
    say('checking invariants');
    const check = (ok: boolean, violation: string) => {
      report.invariantsChecked += 1;
      if (!ok) report.violations.push(violation);
    };
    for (const caseNo of caseNos) {
      const handle = client.workflow.getHandle(complaintWorkflowId(caseNo));
      const view = await handle.query(caseStateQuery);
      check(view.outcome !== null, `${caseNo} did not close (${view.status})`);
      if (view.outcome !== null) report.closedCases += 1;
      // Every accepted action is in the case's own timeline, by the key that took it.
      const remaining = [...view.timeline];
      for (const a of accepted.get(caseNo) ?? []) {
        const entries = Array.isArray(a.entry) ? a.entry : [a.entry];
        const index = remaining.findIndex((e) => entries.includes(e.action) && e.actor.id === a.keyId);
        check(index >= 0, `${caseNo}: accepted ${entries.join('/')} by ${a.keyId} is not in the timeline`);
        if (index >= 0) remaining.splice(index, 1);
      }
      check(view.timeline.every((e, i) => e.seq === i + 1), `${caseNo}: the workflow timeline has gaps`);
      // The read model equals the workflow: same entries, gap-free, no duplicates, same status.
      const expected = view.timeline.map((e) => `${e.seq}:${e.action}:${e.actor.id}`).join('|');
      let projected = '';
      for (let attempt = 0; attempt < 120; attempt += 1) {
        const rows = await database.db.select().from(caseTimeline).where(eq(caseTimeline.workflowId, complaintWorkflowId(caseNo))).orderBy(asc(caseTimeline.seq));
        projected = rows.map((r) => `${r.seq}:${r.action}:${r.actorId}`).join('|');
        if (projected === expected) break;
        await sleep(500);
      }
      check(projected === expected, `${caseNo}: PostgreSQL timeline differs from the workflow's`);
      const [row] = await database.db.select({ status: cases.status, seq: cases.seq }).from(cases).where(eq(cases.caseNo, caseNo));
      check(row?.status === view.status && row.seq === view.timeline.length, `${caseNo}: case row ${row?.status}/${row?.seq} vs ${view.status}/${view.timeline.length}`);
    }
    // No sanction ran twice: each unit's ladder in PostgreSQL equals its workflow's, one notification per sanction.
    const sanctionRows = await database.db.select().from(sanctions);
    for (const unitId of new Set(sanctionRows.map((s) => s.unitId))) {
      const state = await client.workflow.getHandle(unitAccountabilityWorkflowId(unitId)).query(accountabilityStateQuery);
      const rows = sanctionRows.filter((s) => s.unitId === unitId);
      check(rows.length === state.sanctions.length, `${unitId}: ${rows.length} sanction rows for ${state.sanctions.length} sanctions`);
      check(new Set(state.strikes.map((s) => s.id)).size === state.strikes.length, `${unitId}: a strike counted twice`);
      for (const s of rows) {
        const sent = await database.db.select().from(notifications).where(and(eq(notifications.id, `sanction:${s.id}`)));
        check(sent.length === 1, `${s.id}: ${sent.length} notifications`);
      }
    }
    report.cases = caseNos.length;
    check(report.acceptedIntakes === options.cases, `${report.acceptedIntakes} of ${options.cases} intakes accepted`);
    check(
      report.faults.workerKills === options.workerKills && report.faults.apiRestarts === options.apiRestarts && report.faults.dbOutages === options.dbOutages,
      'not every planned fault was injected',
    );
    return report;
  } finally {
    report.durationSeconds = Math.round((Date.now() - started) / 1000);
    await Promise.all([services.worker?.kill('SIGTERM'), services.api?.kill('SIGTERM')]);
    await database.close();
    await connection.close();
    await postgres.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
}

import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { CaseEngine } from '../domain/engine/case-engine.js';
import { caseLimitsOf } from '../domain/process/definition.js';
import { REFUSALS, type ActivityCall, type ActivityCompletion, type CaseAction, type CaseView, type Effect } from '../domain/engine/types.js';
import {
  actionUpdates,
  caseStateQuery,
  commentSignal,
  urgeSignal,
  type ActionInput,
  type ComplaintWorkflowInput,
  type ComplaintWorkflowResult,
  type UpdateAction,
} from './messages.js';
import { caseSearchAttributes as sa } from './search-attributes.js';
import { sharedDefinition } from './shared-definitions.js';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/** Reads and writes of the read model and reference data: retried until PostgreSQL answers. */
const db = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });
/** Notifications and strikes: retried, never blocking a case. */
const outbound = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry });
/**
 * Reads that PostgreSQL answers in milliseconds (the process definition, routing, deadlines) run as
 * local activities: no task-queue round trip and one marker in history instead of an activity's events.
 * Past the threshold, retries wait on durable timers, so a database outage still only delays the case.
 */
const reads = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry, localRetryThreshold: '10 seconds' });

const now = (): string => new Date().toISOString();

/** Timeline entries per read-model write: a burst of notes becomes several bounded activity inputs. */
const PROJECTION_CHUNK = 100;

/**
 * One complaint from intake to close. The workflow is the source of truth: it pins its process
 * definition, runs the case engine over it, races durable timers against people's actions
 * (Workflow Updates, refused by validators before they enter history), keeps the search attributes
 * current and mirrors every transition into PostgreSQL.
 */
export async function complaintWorkflow(input: ComplaintWorkflowInput): Promise<ComplaintWorkflowResult> {
  // Cases started before this version read through regular activities and projected every intermediate
  // state; `patched` keeps their replay on that path (docs/replay.md).
  const settledWrites = patched('local-reads-settled-writes');
  // Cases started before this version keep unbounded notes, whole-burst projections and a single run.
  const bounded = patched('bounded-cases');
  // Cases started before the street hub strike at once when overdue at the top, and route as they did.
  const hub = patched('street-hub');
  // Cases started before case types are complaints by named citizens, received when intake accepted them.
  const caseTypes = patched('case-types');
  const read = settledWrites ? reads : db;
  // The read model and search attributes get settled states only (routing and deadlines known), not the
  // intermediate ones while the engine waits for an activity.
  const settled = (): boolean => !(settledWrites && engine!.busy());
  const { workflowId } = workflowInfo();
  const resume = input.resume;
  // A case continuing as new has its state and its definition in its input: it is ready at once, so an
  // update arriving as the new run starts finds it as it was.
  let engine: CaseEngine | undefined = resume ? CaseEngine.resume(sharedDefinition(resume.definition), resume.state) : undefined;
  const queued: Array<() => Effect[]> = [];
  const timers = new Map<string, CancellationScope>();
  // The workflow clock stands still while local activities run within one task; the wall-clock time a
  // local activity answered (recorded in history, so replay sees the same) keeps timers from firing late.
  let clockHint = 0;
  // Set once the case should continue as new: new updates are refused (RollingOver, the API repeats them on
  // the new run) so the run can end in a task that accepted none — a task ending the run while it accepts
  // updates is refused by the server when more arrive meanwhile, and those updates would fail.
  let rollingOver = false;
  // The history length of the last task that accepted an update (it is the same throughout one task).
  let acceptedIn = -1;
  const acceptedInThisTask = (): boolean => workflowInfo().historyLength === acceptedIn;
  // Whether to look at rolling over again. Only events that stay in the history set it (an accepted update, a
  // finished activity, a timer): a task that only refused an update leaves no trace to replay, so it must
  // never decide anything.
  let reconsider = false;
  const clock = (): number => Math.max(Date.now(), clockHint);
  const inflight = new Set<Promise<unknown>>();
  let failure: Error | undefined;

  // Read model and search attributes follow the engine's state after every change. Declared before the
  // handlers: registering a handler runs the updates that arrived with the run's first task at once.
  let revision = 0;
  let publishedRevision = 0;
  let projectedRevision = 0;
  let projectedSeq = resume?.projectedSeq ?? 0;
  const published = new Map<string, unknown>(Object.entries(resume?.published ?? {}));

  // Handlers are registered first: an update that arrives while the case is still starting is
  // refused with a reason instead of being rejected as unknown.
  const refuseIfNotReady = (): CaseEngine => {
    if (!engine) throw ApplicationFailure.create({ type: 'NotAllowedNow', message: 'The case is still starting; try again shortly', nonRetryable: true });
    return engine;
  };
  // One closure pair per update type is what a cached case keeps for its 24 updates; what they share is built once.
  const action = (type: UpdateAction, args: ActionInput<UpdateAction>): { action: CaseAction; actor: ActionInput<UpdateAction>['actor'] } => {
    const { actor, ...fields } = args;
    return { action: { type, ...fields } as CaseAction, actor };
  };
  for (const [type, update] of Object.entries(actionUpdates) as Array<[UpdateAction, (typeof actionUpdates)[UpdateAction]]>) {
    setHandler(
      update,
      async (args: ActionInput<UpdateAction>): Promise<CaseView> => {
        const { action: a, actor } = action(type, args);
        const e = refuseIfNotReady();
        const refusal = e.refusal(a, actor, now());
        // Two updates validated against the same state: the second one finds it changed.
        if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
        const before = e.state.seq;
        acceptedIn = workflowInfo().historyLength;
        carryOut(e.apply(a, actor, now()));
        await condition(() => !e.waitingForDeadline() || e.closed);
        reconsider = bounded;
        // An update's answer is kept in the history: it carries only the entries the action added.
        return bounded ? e.view({ since: before }) : e.view();
      },
      {
        validator: (args: ActionInput<UpdateAction>): void => {
          if (rollingOver) throw ApplicationFailure.create({ type: REFUSALS.rollingOver, message: 'The case is moving to a new run; repeat the action in a moment', nonRetryable: true });
          const { action: a, actor } = action(type, args);
          const refusal = refuseIfNotReady().refusal(a, actor, now());
          if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
        },
      },
    );
  }
  const earlySignals: Array<() => void> = [];
  const onSignal = (a: CaseAction, actor: ActionInput<'urge'>['actor']): void => {
    const apply = (): void => {
      const refusal = engine!.refusal(a, actor, now());
      if (refusal) log.warn('Signal ignored', { action: a.type, reason: refusal.type });
      else carryOut(engine!.apply(a, actor, now()));
    };
    if (engine) apply();
    else earlySignals.push(apply);
  };
  setHandler(urgeSignal, ({ actor, ...rest }) => onSignal({ type: 'urge', ...rest }, actor));
  setHandler(commentSignal, ({ actor, ...rest }) => onSignal({ type: 'comment', ...rest }, actor));
  const processKey = input.process?.key ?? 'complaint';
  setHandler(caseStateQuery, () =>
    engine ? engine.view() : CaseEngine.startingView({ caseNo: input.caseNo, workflowId, complaint: input.complaint, receivedAt: input.receivedAt }, processKey),
  );
  const processVersion = input.process?.version ?? null;

  /** Runs what the engine asks for; results come back through `queued`, in order, to the main loop. */
  function carryOut(effects: Effect[]): void {
    for (const effect of effects) {
      if (effect.type === 'activity') {
        const promise = callActivity(effect.call).then(
          (result) => {
            if (effect.awaitResult) queued.push(() => engine!.activityCompleted(effect.id, result, now()));
          },
          (error: unknown) => {
            failure = new Error(`Activity ${effect.call.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          },
        );
        inflight.add(promise);
        void promise.finally(() => {
          inflight.delete(promise);
          reconsider = bounded;
        });
      } else if (effect.type === 'timer') {
        const scope = new CancellationScope();
        timers.set(effect.id, scope);
        scope
          .run(() => sleep(Math.max(0, Date.parse(effect.at) - clock())))
          .then(
            () => {
              timers.delete(effect.id);
              queued.push(() => engine!.timerFired(effect.id, now()));
            },
            (error: unknown) => {
              if (!isCancellation(error)) failure = error instanceof Error ? error : new Error(String(error));
            },
          );
      } else {
        timers.get(effect.id)?.cancel();
        timers.delete(effect.id);
      }
    }
    revision += 1;
  }

  /** Runs an activity the engine asked for; its answer goes back typed by the activity's name. */
  function callActivity(call: ActivityCall): Promise<ActivityCompletion> {
    switch (call.name) {
      case 'routeComplaint':
        return read.routeComplaint(call.input).then((result) => ({ name: call.name, result }));
      case 'computeDeadlines':
        if (!settledWrites) return db.computeDeadlines(call.input).then((result) => ({ name: call.name, result }));
        return reads.computeDeadlinesTimed(call.input).then(({ deadlines, at }) => {
          clockHint = Math.max(clockHint, Date.parse(at));
          return { name: call.name, result: deadlines };
        });
      case 'notify':
        return outbound.notify(call.input).then((result) => ({ name: call.name, result }));
      case 'deliverStrike':
        return outbound.deliverStrike(call.input).then((result) => ({ name: call.name, result }));
      case 'recordOutcome':
        return db.recordOutcome(call.input).then((result) => ({ name: call.name, result }));
    }
  }

  function publish(): void {
    const snapshot = engine!.snapshot();
    const values: Array<[keyof typeof sa, unknown]> = [
      ['status', snapshot.status],
      ['level', snapshot.level],
      ['unit', snapshot.unitId],
      ['category', snapshot.category],
      ['urgency', snapshot.urgency],
      ['step', snapshot.step],
      ['deadline', snapshot.deadline],
      ['overdue', snapshot.overdue],
      ['overdueAtTop', snapshot.overdueAtTop],
      ['escalations', snapshot.escalations],
      // Cases from before the street hub never summoned anyone: their histories have no upsert for it.
      ...(hub ? [['whistleTier', snapshot.whistleTier] as [keyof typeof sa, unknown]] : []),
    ];
    const updates: SearchAttributeUpdatePair[] = [];
    for (const [name, value] of values) {
      if ((published.get(name) ?? null) === value) continue;
      published.set(name, value);
      const key = sa[name];
      const typed = value === null ? null : key.type === 'DATETIME' ? new Date(value as string) : value;
      updates.push({ key, value: typed } as SearchAttributeUpdatePair);
    }
    if (updates.length > 0) {
      upsertSearchAttributes(updates);
      setCurrentDetails(
        `${snapshot.status} · ${snapshot.unitId ?? 'unassigned'} (${snapshot.level ?? '-'})${snapshot.deadline ? ` · due ${snapshot.deadline}` : ''}`,
      );
    }
  }
  /** One projection at a time, always of the newest state: bursts coalesce, and an outage delays but never reorders. */
  async function projector(): Promise<void> {
    for (;;) {
      await condition(() => (projectedRevision < revision && settled()) || engine!.closed);
      if (projectedRevision >= revision) return;
      const target = revision;
      const pending = engine!.state.timeline.filter((e) => e.seq > projectedSeq);
      const entries = bounded ? pending.slice(0, PROJECTION_CHUNK) : pending;
      await db.projectCase({ snapshot: engine!.snapshot(), entries });
      if (entries.length > 0) projectedSeq = entries.at(-1)!.seq;
      if (entries.length === pending.length) projectedRevision = target;
      if (bounded) engine!.trimTimeline(projectedSeq);
    }
  }

  if (engine) {
    carryOut(engine.armedTimers());
    // The search attributes are as the previous run left them; the read model is written once more, from
    // where the previous run's last completed write left it.
    publishedRevision = revision;
  } else {
    // Since the street hub, a case that names no process runs the one the process rules choose for its
    // portal and category; older cases keep the `complaint` process.
    const { source, category } = input.complaint;
    const key = hub ? (input.process?.key ?? null) : processKey;
    // The worker's cached cases of one process version hold one copy of its definition between them.
    const definition = sharedDefinition((await read.loadProcess({ key, version: processVersion, source, category })).definition);
    const started = CaseEngine.start(
      { definition, caseNo: input.caseNo, workflowId, complaint: input.complaint, receivedAt: input.receivedAt, limitNotes: bounded, hub, caseTypes },
      now(),
    );
    engine = started.engine;
    carryOut(started.effects);
  }
  earlySignals.splice(0).forEach((apply) => apply());
  const projection = projector();

  const unpublished = (): boolean => publishedRevision < revision && settled();
  // A long history is slow to replay and meets Temporal's limits: once it grows past the process's limit (or
  // Temporal suggests it), the case continues as new at the next quiet moment: no update being handled, no
  // activity or deadline awaited. A read-model write in flight need not finish: the new run writes again
  // from the last completed one (the writes are idempotent), so a stream of notes cannot hold the case back.
  const { definition } = engine;
  const { continueAsNewAfter } = caseLimitsOf(definition);
  const longHistory = (): boolean => {
    const info = workflowInfo();
    return bounded && (info.continueAsNewSuggested || (continueAsNewAfter !== undefined && info.historyLength >= continueAsNewAfter));
  };
  const quiet = (): boolean =>
    queued.length === 0 && inflight.size === 0 && !engine!.busy() && publishedRevision >= revision && allHandlersFinished();
  while (!engine.closed) {
    if (unpublished()) {
      publishedRevision = revision;
      publish();
    }
    if (reconsider) {
      reconsider = false;
      rollingOver ||= longHistory();
      // A task that accepted updates does not end the run (see rollingOver): a moment later, in a task of its
      // own, it does.
      if (rollingOver && quiet() && acceptedInThisTask()) {
        void sleep(1).then(() => {
          reconsider = true;
        });
      }
    }
    if (rollingOver && quiet() && !acceptedInThisTask()) {
      log.info('Continuing the case as new', { historyLength: workflowInfo().historyLength, seq: engine.state.seq });
      await continueAsNew<typeof complaintWorkflow>({
        ...input,
        process: { key: definition.key, version: definition.version },
        resume: { state: engine.state, definition, projectedSeq, published: Object.fromEntries(published), runs: (resume?.runs ?? 0) + 1 },
      });
    }
    await condition(() => queued.length > 0 || unpublished() || failure !== undefined || engine!.closed || reconsider);
    if (failure) throw failure;
    while (queued.length > 0) carryOut(queued.shift()!());
  }
  publish();
  for (const scope of timers.values()) scope.cancel();
  await condition(allHandlersFinished);
  await projection;
  await Promise.all([...inflight]);
  if (failure) throw failure;
  return { caseNo: input.caseNo, outcome: engine.state.outcome!, closedAt: engine.state.closedAt! };
}

import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Principal } from '../db/api-keys.js';
import type { Db } from '../db/client.js';
import { cases } from '../db/schema.js';
import type { Config } from '../infra/config.js';
import type { Actor, Citizen } from '../domain/case.js';
import { REFUSALS, type CaseView } from '../domain/engine/types.js';
import { caseNoFor, isSourceName, SOURCE_NAME_RULE, type Complaint } from '../domain/case.js';
import { caseStateQuery, COMPLAINT_WORKFLOW_TYPE, complaintWorkflowId, type ComplaintWorkflowInput } from '../workflows/messages.js';
import { namesIn, type NameSources } from './names.js';
import { HttpProblem, notFound } from './problem.js';
import type { UnitDirectory } from './units.js';

/** Links of a case: itself in the API, and the workflow in the Temporal Web UI. */
export function caseLinks(config: Config, caseNo: string): { self: string; timeline: string; temporalUi: string } {
  const { uiUrl, namespace } = config.temporal;
  return {
    self: `/v1/complaints/${caseNo}`,
    timeline: `/v1/complaints/${caseNo}/timeline`,
    temporalUi: `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(complaintWorkflowId(caseNo))}`,
  };
}

/** What intake did with a complaint. */
export interface FiledCase {
  caseNo: string;
  workflowId: string;
  /** False when the ticket was filed before with the same content (a retried post). */
  created: boolean;
  /** The earlier case of this ticket has closed (only when `created` is false). */
  closed: boolean;
}

/** Memo key of a case's content fingerprint: a second post of its ticket is compared with it. */
const FINGERPRINT_MEMO = 'fingerprint';

/**
 * A digest of what the citizen reported (everything but the ticket that names it), in a canonical form: the
 * same complaint posted again gives the same digest, whatever the order of its fields.
 */
export function complaintFingerprint(complaint: Complaint): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  const { source: _source, ticketId: _ticketId, ...content } = complaint;
  return createHash('sha256').update(JSON.stringify(canonical(content))).digest('base64url');
}

/**
 * Files a complaint: starts its workflow, the durable write, so intake never waits on the read-model
 * database. The same (source, ticket id) always names the same case: a retried post with the same content
 * finds it again (also when twenty arrive at once); the same ticket with other content is refused with a
 * 409 naming the case, so no complaint is ever silently answered with someone else's case.
 */
export async function fileComplaint(temporal: { client: Client; taskQueue: string }, complaint: Complaint): Promise<FiledCase> {
  const caseNo = caseNoFor(complaint.source, complaint.ticketId);
  const workflowId = complaintWorkflowId(caseNo);
  const fingerprint = complaintFingerprint(complaint);
  // A stated reception time is the case's (deadlines and figures count from it); one a moment ahead of ours (clock skew) counts as now.
  const now = new Date().toISOString();
  const input: ComplaintWorkflowInput = { caseNo, receivedAt: complaint.receivedAt !== undefined && complaint.receivedAt < now ? complaint.receivedAt : now, complaint };
  try {
    await temporal.client.workflow.start(COMPLAINT_WORKFLOW_TYPE, {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { [FINGERPRINT_MEMO]: fingerprint },
      staticSummary: `${caseNo} · ${complaint.category} · ${complaint.urgency}`,
    });
    return { caseNo, workflowId, created: true, closed: false };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  const existing = await temporal.client.workflow.getHandle(workflowId).describe();
  const earlier = existing.memo?.[FINGERPRINT_MEMO];
  // Cases filed before fingerprints existed carry none: they are taken as the same complaint, as before.
  if (earlier !== undefined && earlier !== fingerprint) {
    throw new HttpProblem(
      409,
      'ticket-conflict',
      'Ticket already used',
      `Ticket ${complaint.ticketId} was filed as case ${caseNo} with other content; a new complaint needs a ticket id of its own`,
      { reason: INTAKE_REFUSALS.ticketConflict },
    );
  }
  return { caseNo, workflowId, created: false, closed: existing.status.name !== 'RUNNING' };
}

/**
 * The portal an intake key files as. Keys made before portal names were checked may carry a name that
 * could make another portal's case numbers: they may not file (403 InvalidSource), for every channel.
 */
export function intakeSource(principal: Principal): string {
  const source = principal.source;
  if (source === null || !isSourceName(source)) {
    throw new HttpProblem(403, 'invalid-source', 'Key cannot file complaints', `This key's portal name "${source ?? ''}" cannot begin case numbers (${SOURCE_NAME_RULE}); create a new intake key`, {
      reason: INTAKE_REFUSALS.invalidSource,
    });
  }
  return source;
}

/** Why intake refuses a complaint it understood (problem `reason`). */
export const INTAKE_REFUSALS = {
  ticketConflict: 'TicketConflict',
  ticketClosed: 'TicketClosed',
  unknownUnit: 'UnknownUnit',
  invalidSource: 'InvalidSource',
} as const;

/**
 * Runs a case action (a Workflow Update), repeating it while the case answers RollingOver — it is moving
 * to a new run, and the same update lands on that run a moment later — or the server reports that the
 * workflow task carrying it failed (nothing of that task took effect, e.g. the run was ending as more
 * updates arrived). Callers bound the whole with a deadline.
 */
export async function executeCaseUpdate<Ret, Arg>(handle: WorkflowHandle, update: UpdateDefinition<Ret, [Arg]>, options: { args: [Arg]; updateId?: string }): Promise<Ret> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await handle.executeUpdate(update, options);
    } catch (error) {
      const rollingOver = error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === REFUSALS.rollingOver;
      if (!rollingOver && !taskFailed(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 500)));
    }
  }
}

/** Temporal's FAILED_PRECONDITION for an update whose workflow task failed: it was not applied. */
function taskFailed(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    // The task carrying the update failed, or an earlier task failed or timed out (a loaded worker) and the
    // next attempt is pending: the server takes updates again once a task completes.
    if ((e as { code?: unknown }).code === 9 && /workflow task failure|workflow task in failed state/i.test(e.message)) return true;
  }
  return false;
}

/** The actor a principal acts as inside a case. */
export function actorOf(principal: Principal): Actor {
  return {
    role: principal.role,
    id: principal.keyId,
    ...(principal.unitId ? { unitId: principal.unitId } : {}),
    ...(principal.role === 'intake' && principal.source ? { source: principal.source } : {}),
  };
}

const FORBIDDEN_REFUSALS = new Set<string>([REFUSALS.notPermitted, REFUSALS.notYourCase]);

/** Maps a refused update to its problem: permission refusals are 403, invalid input 422, every other refusal 409. */
export function refusalProblem(type: string, message: string): HttpProblem {
  if (FORBIDDEN_REFUSALS.has(type)) return new HttpProblem(403, 'refused', 'Not your case', message, { reason: type });
  if (type === REFUSALS.invalidInput) return new HttpProblem(422, 'refused', 'Invalid action', message, { reason: type });
  return new HttpProblem(409, 'refused', 'Action refused', message, { reason: type });
}

/** Translates Temporal client errors about a case into problems. */
export function caseProblem(error: unknown, caseNo: string): unknown {
  if (error instanceof WorkflowNotFoundError) return notFound(`No case ${caseNo}`);
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type) {
    return refusalProblem(error.cause.type, error.cause.message);
  }
  if (error instanceof Error && /already completed|workflow execution already completed/i.test(error.message)) {
    return new HttpProblem(409, 'refused', 'Action refused', `Case ${caseNo} is closed`, { reason: REFUSALS.caseClosed });
  }
  return error;
}

/**
 * After Temporal says a case's workflow is gone or closed: the read model tells a closed case (409 for
 * those who may see it, 403 for others) from one that never existed (undefined: let it be a 404).
 */
export async function closedCaseProblem(db: Db, principal: Principal, units: UnitDirectory, caseNo: string): Promise<HttpProblem | undefined> {
  const [row] = await db.select({ ...readScopeColumns, status: cases.status }).from(cases).where(eq(cases.caseNo, caseNo));
  if (!row) return undefined;
  if (!canRead(principal, row, units)) return new HttpProblem(403, 'forbidden', 'Not your case', `Case ${caseNo} is outside your area`, { reason: REFUSALS.notYourCase });
  return new HttpProblem(409, 'refused', 'Action refused', `Case ${caseNo} is closed (${row.status})`, { reason: REFUSALS.caseClosed });
}

/** What read access to a case depends on: the units that held it, the departments summoned to it, its portal. */
export interface ReadScope {
  holders: string[];
  /** Absent in the live view of a case whose worker predates summoned departments reading it. */
  summoned?: string[];
  source: string;
}

/** The read model's columns of a case's `ReadScope`. */
export const readScopeColumns = { holders: cases.holders, summoned: cases.summoned, source: cases.source };

/** What read access to a case depends on, from the read model (undefined when the case is not there yet). */
export async function caseReadScope(db: Db, caseNo: string): Promise<ReadScope | undefined> {
  const [row] = await db.select(readScopeColumns).from(cases).where(eq(cases.caseNo, caseNo));
  return row;
}

/** The live view of a case from its workflow. */
export async function queryCase(client: Client, caseNo: string): Promise<CaseView> {
  try {
    return await client.workflow.getHandle(complaintWorkflowId(caseNo)).query(caseStateQuery);
  } catch (error) {
    throw caseProblem(error, caseNo);
  }
}

/**
 * Read access: handlers read cases their unit has held or was summoned to; dispatchers and supervisors read
 * cases held by (or summoned to) units within their area; intake portals read what they filed; evaluators
 * and admins read every case.
 */
export function canRead(principal: Principal, view: ReadScope, directory: UnitDirectory): boolean {
  const readers = [...view.holders, ...(view.summoned ?? [])];
  switch (principal.role) {
    case 'admin':
    case 'evaluator':
      return true;
    case 'intake':
      return view.source === principal.source;
    case 'handler':
      return principal.unitId !== null && readers.includes(principal.unitId);
    case 'dispatcher':
    case 'supervisor':
      return principal.unitId !== null && readers.some((unitId) => directory.within(unitId, principal.unitId!));
  }
}

/** Masks a phone number: 138****0000. */
function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length < 8 ? '*'.repeat(digits.length) : `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** Masks a name to its first character. */
function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(Math.min(chars.length - 1, 3))}`;
}

/** What of a case decides who sees its citizen's contact. */
type ContactScope = Pick<CaseView, 'unitId' | 'lead' | 'coDepartments' | 'holders' | 'privacy' | 'source'>;

/**
 * Citizen contact data is for the unit holding the case (lead and co-departments at the centre) and
 * for supervisors over it; everyone else sees it masked. A confidential contact is the hotline's only: the
 * portal that filed the case sees it, no unit key does.
 */
export function seesContact(principal: Principal, view: ContactScope, directory: UnitDirectory): boolean {
  if (view.privacy !== 'open') return principal.role === 'intake' && principal.source === view.source;
  if (principal.unitId === null) return false;
  if (principal.role === 'handler') return [view.unitId, view.lead, ...view.coDepartments].includes(principal.unitId);
  if (principal.role === 'supervisor') return view.holders.some((unitId) => directory.within(unitId, principal.unitId!));
  return false;
}

/** The citizen's contact data masked; a field the citizen did not give stays absent. */
export function maskCitizen({ name, phone }: Citizen): Citizen {
  return { ...(name !== undefined ? { name: maskName(name) } : {}), ...(phone !== undefined ? { phone: maskPhone(phone) } : {}) };
}

/** The view as this principal may see it: a confidential contact is not shown at all, not even masked. */
export function viewFor<T extends ContactScope & Pick<CaseView, 'citizen'>>(principal: Principal, view: T, directory: UnitDirectory): T {
  if (seesContact(principal, view, directory)) return view;
  return { ...view, citizen: view.privacy === 'open' ? maskCitizen(view.citizen) : {} };
}

/** A case's answer to a principal: the view as they may see it, its links, and the names of the units and category it mentions. */
export function caseAnswer<T extends ContactScope & Pick<CaseView, 'citizen'>>(principal: Principal, view: T, deps: NameSources & { config: Config }, caseNo: string) {
  const visible = viewFor(principal, view, deps.units);
  return { ...visible, links: caseLinks(deps.config, caseNo), names: namesIn(visible, deps) };
}

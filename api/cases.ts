import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Principal } from '../db/api-keys.js';
import type { Db } from '../db/client.js';
import { cases } from '../db/schema.js';
import type { Config } from '../infra/config.js';
import type { Actor, Citizen } from '../domain/case.js';
import { REFUSALS, type CaseView } from '../domain/engine/types.js';
import { caseNoFor, type Complaint } from '../domain/case.js';
import { caseStateQuery, complaintWorkflowId, type ComplaintWorkflowInput } from '../workflows/messages.js';
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

/**
 * Files a complaint: starts its workflow, the durable write, so intake never waits on the read-model
 * database. The same (source, ticket id) always yields the same case: a running one is reused, and a
 * closed one is not started again.
 */
export async function fileComplaint(temporal: { client: Client; taskQueue: string }, complaint: Complaint): Promise<{ caseNo: string; workflowId: string }> {
  const caseNo = caseNoFor(complaint.source, complaint.ticketId);
  const workflowId = complaintWorkflowId(caseNo);
  const input: ComplaintWorkflowInput = { caseNo, receivedAt: new Date().toISOString(), complaint };
  await temporal.client.workflow
    .start('complaintWorkflow', {
      taskQueue: temporal.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `${caseNo} · ${complaint.category} · ${complaint.urgency}`,
    })
    .catch((error: unknown) => {
      if (error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError') return;
      throw error;
    });
  return { caseNo, workflowId };
}

/** The actor a principal acts as inside a case. */
export function actorOf(principal: Principal): Actor {
  return { role: principal.role, id: principal.keyId, ...(principal.unitId ? { unitId: principal.unitId } : {}) };
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
  const [row] = await db.select({ holders: cases.holders, source: cases.source, status: cases.status }).from(cases).where(eq(cases.caseNo, caseNo));
  if (!row) return undefined;
  if (!canRead(principal, row, units)) return new HttpProblem(403, 'forbidden', 'Not your case', `Case ${caseNo} is outside your area`, { reason: REFUSALS.notYourCase });
  return new HttpProblem(409, 'refused', 'Action refused', `Case ${caseNo} is closed (${row.status})`, { reason: REFUSALS.caseClosed });
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
 * Read access: handlers read cases their unit has held; dispatchers and supervisors read cases held
 * within their area; intake portals read what they filed; evaluators and admins read every case.
 */
export function canRead(principal: Principal, view: Pick<CaseView, 'holders' | 'source'>, directory: UnitDirectory): boolean {
  switch (principal.role) {
    case 'admin':
    case 'evaluator':
      return true;
    case 'intake':
      return view.source === principal.source;
    case 'handler':
      return principal.unitId !== null && view.holders.includes(principal.unitId);
    case 'dispatcher':
    case 'supervisor':
      return principal.unitId !== null && view.holders.some((unitId) => directory.within(unitId, principal.unitId!));
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

/**
 * Citizen contact data is for the unit holding the case (lead and co-departments at the centre) and
 * for supervisors over it; everyone else sees it masked.
 */
export function seesContact(principal: Principal, view: Pick<CaseView, 'unitId' | 'lead' | 'coDepartments' | 'holders'>, directory: UnitDirectory): boolean {
  if (principal.unitId === null) return false;
  if (principal.role === 'handler') return [view.unitId, view.lead, ...view.coDepartments].includes(principal.unitId);
  if (principal.role === 'supervisor') return view.holders.some((unitId) => directory.within(unitId, principal.unitId!));
  return false;
}

/** The citizen's contact data masked; a field the citizen did not give stays absent. */
export function maskCitizen({ name, phone }: Citizen): Citizen {
  return { ...(name !== undefined ? { name: maskName(name) } : {}), ...(phone !== undefined ? { phone: maskPhone(phone) } : {}) };
}

/** The view as this principal may see it. */
export function viewFor<T extends Pick<CaseView, 'unitId' | 'lead' | 'coDepartments' | 'holders' | 'citizen'>>(principal: Principal, view: T, directory: UnitDirectory): T {
  if (seesContact(principal, view, directory)) return view;
  return { ...view, citizen: maskCitizen(view.citizen) };
}

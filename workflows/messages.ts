/**
 * The contract between the API, the worker and the tests: names, ids, message definitions and the
 * types that cross the wire. It imports nothing with side effects.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Complaint, TimelineEntry } from '../domain/case.js';

/** Default task queue of the case workers. */
export const DEFAULT_TASK_QUEUE = 'jiesu-cases';

export const COMPLAINT_WORKFLOW_PREFIX = 'complaint-';

/** Workflow id of a case: readable in the Temporal UI and derived from the business key. */
export function complaintWorkflowId(caseNo: string): string {
  return `${COMPLAINT_WORKFLOW_PREFIX}${caseNo}`;
}

/** Input of {@link complaintWorkflow}. */
export interface ComplaintWorkflowInput {
  caseNo: string;
  complaint: Complaint;
  /** When intake accepted the complaint (ISO 8601). */
  receivedAt: string;
}

/** The live state of a case, as the `caseState` query returns it. */
export interface CaseView {
  caseNo: string;
  workflowId: string;
  status: string;
  category: string;
  urgency: string;
  title: string;
  level: string | null;
  unitId: string | null;
  receivedAt: string;
  timeline: TimelineEntry[];
}

/** Full state of a case: status, level, unit, deadlines, timeline. */
export const caseStateQuery = defineQuery<CaseView>('caseState');

import { condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { SYSTEM, type Actor, type CaseSnapshot, type TimelineEntry } from '../domain/case.js';
import { caseStateQuery, type CaseView, type ComplaintWorkflowInput } from './messages.js';
import { caseSearchAttributes as sa } from './search-attributes.js';

const { routeComplaint, projectCase } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** One complaint from intake to close. The workflow is the source of truth; Postgres mirrors it. */
export async function complaintWorkflow(input: ComplaintWorkflowInput): Promise<void> {
  const { caseNo, complaint, receivedAt } = input;
  const timeline: TimelineEntry[] = [];
  let projected = 0;
  const snapshot: CaseSnapshot = {
    caseNo,
    workflowId: workflowInfo().workflowId,
    source: complaint.source,
    ticketId: complaint.ticketId,
    title: complaint.title,
    category: complaint.category,
    urgency: complaint.urgency,
    status: 'received',
    level: null,
    unitId: null,
    step: null,
    deadline: null,
    warning: false,
    overdue: false,
    overdueAtTop: false,
    escalations: 0,
    rating: null,
    citizen: complaint.citizen,
    description: complaint.description,
    seq: 0,
    receivedAt,
    stepSince: receivedAt,
    closedAt: null,
  };
  const record = (action: string, actor: Actor, extra: Omit<TimelineEntry, 'seq' | 'at' | 'action' | 'actor'> = {}): void => {
    timeline.push({ seq: timeline.length + 1, at: new Date().toISOString(), action, actor, ...extra });
    snapshot.seq = timeline.length;
  };
  const view = (): CaseView => ({
    caseNo,
    workflowId: snapshot.workflowId,
    status: snapshot.status,
    category: snapshot.category,
    urgency: snapshot.urgency,
    title: snapshot.title,
    level: snapshot.level,
    unitId: snapshot.unitId,
    receivedAt,
    timeline,
  });
  setHandler(caseStateQuery, view);

  record('received', { role: 'intake', id: complaint.source });
  const route = await routeComplaint({ category: complaint.category, locationUnitId: complaint.location.unitId });
  if (route.kind === 'owner') {
    const owner = [route.location.unit, ...route.location.ancestors].find((u) => u.level === route.level);
    snapshot.level = route.level;
    snapshot.unitId = route.departmentId ?? owner?.id ?? null;
    snapshot.status = 'awaiting-sign';
  } else {
    snapshot.status = 'awaiting-dispatch';
  }
  record('routed', SYSTEM, { ...(snapshot.unitId ? { toUnitId: snapshot.unitId } : {}), ...(snapshot.level ? { toLevel: snapshot.level } : {}) });
  upsertSearchAttributes([
    { key: sa.status, value: snapshot.status },
    { key: sa.category, value: snapshot.category },
    { key: sa.urgency, value: snapshot.urgency },
    ...(snapshot.level ? [{ key: sa.level, value: snapshot.level }] : []),
    ...(snapshot.unitId ? [{ key: sa.unit, value: snapshot.unitId }] : []),
  ]);
  await projectCase({ snapshot, entries: timeline.slice(projected) });
  projected = timeline.length;
  await condition(() => false);
}

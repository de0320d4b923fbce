/**
 * The cases a hotline really gets, through the API on the real stack: a consultation the seat answers closes
 * at intake and is still evaluated and counted; a report keeps its reporter from every unit key (and out of
 * Temporal's raw history); anonymous and grid-found cases skip the evaluation nobody could give; figures count
 * self-discovered cases apart; a stated reception time is where deadlines and figures count from; operators
 * learn in time that next year's calendar is missing; a supervision order missed is recorded and counted; a
 * staged completion comes back on its follow-up date; the citizen's follow-ups reach the holder and, repeated, raise the priority.
 */
import { Writable } from 'node:stream';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { calendarSources } from '../../db/calendar-source.js';
import { caseOutcomes, notifications } from '../../db/schema.js';
import { periodOf } from '../../domain/accountability.js';
import { calendarWarning, localYears, missingCalendarYears } from '../../domain/calendar.js';
import { createLogger } from '../../infra/logger.js';
import { watchCalendar } from '../../worker/calendar-watch.js';
import { caseStateQuery, complaintWorkflowId, type CaseView } from '../../workflows/messages.js';
import { recordHistories } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
/** Cases whose histories `npm run histories:record` keeps as replay fixtures: one of each new path. */
const recorded: string[] = [];
afterAll(async () => {
  if (env) await recordHistories(env, 'case-types', { cases: false, extra: recorded.map(complaintWorkflowId) });
  await env?.close();
});

const COMMUNITY = 'comm-heping-north';
const CITIZEN = { name: 'Qiao Wanting', phone: '13911112222' };

async function file(fields: Record<string, unknown>): Promise<string> {
  const response = await env.call(await env.key('intake'), 'POST', '/v1/complaints', {
    ticketId: env.ticket('ct'),
    title: 'Broken railing on the stairs',
    description: 'The railing between floors 2 and 3 is loose.',
    category: 'neighbour-dispute',
    location: { unitId: COMMUNITY },
    ...fields,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ caseNo: string }>().caseNo;
}

const handleOf = (caseNo: string) => env.client.workflow.getHandle(complaintWorkflowId(caseNo));
const waitFor = (caseNo: string, predicate: (view: CaseView) => boolean, what: string): Promise<CaseView> =>
  eventually(
    async () => {
      const view = await handleOf(caseNo).query(caseStateQuery);
      return predicate(view) ? view : undefined;
    },
    { what: `case ${caseNo}: ${what}` },
  );
const post = async (key: string, caseNo: string, action: string, body: unknown): Promise<void> => {
  const response = await env.call(key, 'POST', `/v1/complaints/${caseNo}/${action}`, body);
  expect(response.statusCode, response.body).toBe(200);
};
const read = async (key: string, caseNo: string) => {
  const response = await env.call(key, 'GET', `/v1/complaints/${caseNo}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<CaseView & { deadlineCalendar: Array<{ year: number; source: string }> }>();
};
/** Signs for and resolves a case at the community, as its handler. */
async function handleAtCommunity(caseNo: string): Promise<void> {
  await waitFor(caseNo, (v) => v.status === 'awaiting-sign' && v.deadline !== null, 'routed to the community');
  const handler = await env.key('handler', COMMUNITY);
  await post(handler, caseNo, 'sign-for', {});
  await post(handler, caseNo, 'resolve', { reply: 'Fixed the railing' });
}
/** The raw history of a case as Temporal stores it, as text. */
async function rawHistory(caseNo: string): Promise<string> {
  return Buffer.from(proto.temporal.api.history.v1.History.encode(await handleOf(caseNo).fetchHistory()).finish()).toString('latin1');
}
/** The read-model row of a case as an admin lists it, once it shows `status`. */
async function listed(caseNo: string, status: string, query = ''): Promise<Record<string, unknown>> {
  const admin = await env.key('admin');
  return eventually(
    async () => {
      const response = await env.call(admin, 'GET', `/v1/complaints?limit=500${query}`);
      return response.json<{ items: Array<Record<string, unknown>> }>().items.find((i) => i.caseNo === caseNo && i.status === status);
    },
    { what: `${caseNo} listed as ${status}` },
  );
}

describe('case types', () => {
  it('closes a consultation the hotline seat answered at intake, still evaluated and counted', async () => {
    const caseNo = await file({ type: 'consultation', category: 'convenience-consultation', citizen: CITIZEN, answer: 'The community office is open 9:00-17:00 on working days.' });
    const view = await waitFor(caseNo, (v) => v.status === 'awaiting-evaluation', 'waiting for the evaluation');
    expect(view).toMatchObject({ caseType: 'consultation', origin: 'citizen', privacy: 'open', unitId: null, holders: [], level: null });
    expect(view.resolvedAt).not.toBeNull();
    expect(view.timeline.map((e) => e.action)).toEqual(['received', 'answered-at-intake']);
    expect(view.timeline[1]).toMatchObject({ actor: { role: 'intake', id: 'hotline' }, detail: { answer: expect.stringMatching(/9:00-17:00/) as unknown, closesCase: true } });

    await post(await env.key('evaluator'), caseNo, 'evaluation', { rating: 'satisfied' });
    expect(await handleOf(caseNo).result()).toMatchObject({ outcome: 'closed' });
    recorded.push(caseNo);
    const row = await listed(caseNo, 'closed', '&caseType=consultation');
    expect(row).toMatchObject({ caseType: 'consultation', origin: 'citizen', rating: 'satisfied' });

    // Counted: received, and resolved the day it was received.
    const admin = await env.key('admin');
    const figures = await env.call(admin, 'GET', `/v1/figures?from=${encodeURIComponent(String(row.receivedAt))}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&by=caseType`);
    expect(figures.statusCode, figures.body).toBe(200);
    const consultation = figures.json<{ groups: Array<{ key: string; figures: { received: number; sameDayResolution: { numerator: number } } }> }>().groups.find((g) => g.key === 'consultation');
    expect(consultation?.figures.received).toBeGreaterThanOrEqual(1);
    expect(consultation?.figures.sameDayResolution.numerator).toBeGreaterThanOrEqual(1);
  });

  it('sends an answered consultation the citizen was unhappy with to its owner, and routes a type that does not close at intake', async () => {
    const unhappy = await file({ type: 'consultation', category: 'convenience-consultation', citizen: CITIZEN, answer: 'Ask your property manager.' });
    await waitFor(unhappy, (v) => v.status === 'awaiting-evaluation', 'waiting for the evaluation');
    await post(await env.key('evaluator'), unhappy, 'evaluation', { rating: 'unsatisfied' });
    expect(await waitFor(unhappy, (v) => v.status === 'awaiting-sign' && v.deadline !== null, 'routed after the rating')).toMatchObject({ unitId: COMMUNITY, level: 'community' });
    recorded.push(unhappy);

    const help = await file({ type: 'help', citizen: CITIZEN, answer: 'We will send someone.' });
    const view = await waitFor(help, (v) => v.status === 'awaiting-sign' && v.deadline !== null, 'routed');
    expect(view).toMatchObject({ caseType: 'help', unitId: COMMUNITY, resolvedAt: null });
    expect(view.timeline.find((e) => e.action === 'answered-at-intake')).toMatchObject({ detail: { closesCase: false } });
  });

  it('keeps a report confidential: no unit key sees the reporter, nor a list, nor the raw history; the hotline does', async () => {
    const caseNo = await file({ type: 'report', citizen: CITIZEN, description: 'The shop at No. 8 sells expired food.' });
    await waitFor(caseNo, (v) => v.deadline !== null, 'routed');
    for (const key of [await env.key('handler', COMMUNITY), await env.key('supervisor', 'street-heping'), await env.key('supervisor', 'centre')]) {
      expect(await read(key, caseNo)).toMatchObject({ privacy: 'confidential', citizen: {} });
    }
    expect((await read(await env.key('intake'), caseNo)).citizen).toEqual(CITIZEN);
    const handlerList = await env.call(await env.key('handler', COMMUNITY), 'GET', '/v1/complaints?limit=500');
    expect(handlerList.json<{ items: Array<{ caseNo: string; citizen: unknown }> }>().items.find((i) => i.caseNo === caseNo)?.citizen).toEqual({});
    const csv = await env.call(await env.key('admin'), 'GET', '/v1/complaints?limit=500&format=csv');
    expect(csv.body).toContain('case_type');
    expect(csv.body).not.toContain('Qiao');

    await handleAtCommunity(caseNo);
    // The reporter is still asked, through the hotline.
    await waitFor(caseNo, (v) => v.status === 'awaiting-evaluation', 'waiting for the evaluation');
    await post(await env.key('evaluator'), caseNo, 'evaluation', { rating: 'basically-satisfied' });
    expect(await handleOf(caseNo).result()).toMatchObject({ outcome: 'closed' });
    const history = await rawHistory(caseNo);
    expect(history.length).toBeGreaterThan(1000);
    for (const secret of [CITIZEN.name, CITIZEN.phone]) expect(history.includes(secret), `${secret} in the raw history`).toBe(false);
    recorded.push(caseNo);
    // Nor does the codec endpoint decode it for the district's own supervisor (the Temporal UI's view).
    const input = (await handleOf(caseNo).fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const encoded = { payloads: input.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data ?? []).toString('base64') })) };
    const decoded = await env.call(await env.key('supervisor', 'centre'), 'POST', '/codec/decode', encoded);
    expect(decoded.statusCode, decoded.body).toBe(403);
    expect(decoded.body).toMatch(/confidential/);
  });

  it('handles an anonymous report to close without an evaluation nobody could give', async () => {
    const caseNo = await file({ type: 'report', privacy: 'anonymous' });
    expect((await read(await env.key('intake'), caseNo)).citizen).toEqual({});
    await handleAtCommunity(caseNo);
    expect(await handleOf(caseNo).result()).toMatchObject({ outcome: 'closed' });
    const view = await handleOf(caseNo).query(caseStateQuery);
    expect(view).toMatchObject({ privacy: 'anonymous', rating: null, citizen: {} });
    expect(view.timeline.map((e) => e.action)).not.toContain('evaluated');
    recorded.push(caseNo);
  });

  it("files a grid worker's find with no citizen, skips its evaluation and counts it apart from citizen-raised cases", async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const caseNo = await file({ origin: 'grid', title: 'Blocked fire exit found on patrol' });
    await handleAtCommunity(caseNo);
    expect(await handleOf(caseNo).result()).toMatchObject({ outcome: 'closed' });
    expect((await handleOf(caseNo).query(caseStateQuery)).timeline.map((e) => e.action)).toEqual(['received', 'routed', 'signed', 'resolved', 'closed']);
    recorded.push(caseNo);
    expect(await listed(caseNo, 'closed', '&origin=grid')).toMatchObject({ origin: 'grid', caseType: 'complaint', rating: null });

    const admin = await env.key('admin');
    const to = new Date(Date.now() + 60_000).toISOString();
    const figures = await env.call(admin, 'GET', `/v1/figures?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&by=origin`);
    const body = figures.json<{ total: { received: number; selfDiscovered: number }; groups: Array<{ key: string; figures: { received: number; selfDiscovered: number } }> }>();
    expect(body.total.selfDiscovered).toBeGreaterThanOrEqual(1);
    expect(body.groups.find((g) => g.key === 'grid')?.figures).toMatchObject({ received: body.groups.find((g) => g.key === 'grid')?.figures.selfDiscovered });
    const csv = await env.call(admin, 'GET', `/v1/figures?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&by=origin&format=csv`);
    expect(csv.body.split('\n')[0]).toContain('self_discovered');
  });

  it('refuses contradictory intakes with the field at fault', async () => {
    const intake = await env.key('intake');
    const attempt = (fields: Record<string, unknown>) =>
      env.call(intake, 'POST', '/v1/complaints', { ticketId: env.ticket('bad'), title: 't', description: 'd', category: 'neighbour-dispute', location: { unitId: COMMUNITY }, ...fields });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ origin: 'grid', citizen: CITIZEN }, 'body/citizen'],
      [{ origin: 'unit', privacy: 'confidential' }, 'body/privacy'],
      [{}, 'body/citizen'],
      [{ privacy: 'anonymous', citizen: CITIZEN }, 'body/citizen'],
      [{ citizen: CITIZEN, receivedAt: new Date(Date.now() + 3_600_000).toISOString() }, 'body/receivedAt'],
      [{ citizen: CITIZEN, receivedAt: new Date(Date.now() - 200 * 86_400_000).toISOString() }, 'body/receivedAt'],
      [{ citizen: CITIZEN, type: 'rumour' }, 'body/type'],
    ];
    for (const [fields, field] of cases) {
      const response = await attempt(fields);
      expect(response.statusCode, JSON.stringify(fields)).toBe(400);
      expect(response.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field), JSON.stringify(fields)).toContain(field);
    }
  });
});

describe('when a case was received', () => {
  it('counts deadlines and figures from the time the portal states, recorded with who stated it', async () => {
    const stated = new Date(Date.now() - 7 * 86_400_000);
    stated.setUTCMilliseconds(0);
    const caseNo = await file({ citizen: CITIZEN, receivedAt: stated.toISOString() });
    const view = await waitFor(caseNo, (v) => v.deadline !== null || v.escalations > 0, 'its first deadline');
    expect(view.receivedAt).toBe(stated.toISOString());
    expect(view.timeline[0]).toMatchObject({ action: 'received', actor: { role: 'intake', id: 'hotline' }, detail: { receivedAt: stated.toISOString(), statedBy: 'hotline' } });
    // Two working hours after a moment a week ago have passed: the sign-for limit was missed on arrival.
    const escalated = await waitFor(caseNo, (v) => v.timeline.some((e) => e.action === 'deadline-missed'), 'the missed sign-for limit');
    expect(escalated.timeline.find((e) => e.action === 'deadline-missed')).toMatchObject({ toUnitId: COMMUNITY });
    recorded.push(caseNo);

    // Figures of the stated week count it; those of the last day do not.
    const admin = await env.key('admin');
    const figures = async (from: Date, to: Date) =>
      (await env.call(admin, 'GET', `/v1/figures?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&by=origin`)).json<{ total: { received: number } }>().total.received;
    await listed(caseNo, escalated.status);
    expect(await figures(new Date(stated.getTime() - 1000), new Date(stated.getTime() + 1000))).toBeGreaterThanOrEqual(1);
    const listedThen = await env.call(admin, 'GET', `/v1/complaints?limit=500&createdFrom=${encodeURIComponent(new Date(stated.getTime() - 1000).toISOString())}&createdTo=${encodeURIComponent(new Date(stated.getTime() + 1000).toISOString())}`);
    expect(listedThen.json<{ items: Array<{ caseNo: string }> }>().items.map((i) => i.caseNo)).toContain(caseNo);
  });
});

describe('calendar years ahead', () => {
  it('warns in /readyz details and in the worker log while a year deadlines need is missing, and answers a deadline with its calendar', async () => {
    const sources = await calendarSources(env.database.db);
    const now = new Date();
    const ready = await env.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    const expected = missingCalendarYears(now, [...sources.keys()]);
    expect(ready.json<{ checks: { calendar: unknown } }>().checks.calendar).toEqual(
      expected.length > 0 ? { status: 'warning', missingYears: expected, detail: calendarWarning(expected) } : { status: 'ok', missingYears: [] },
    );

    // On 2 November of the package's last year, the next one is missing: the worker says so.
    const lastYear = Math.max(...sources.keys());
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', pretty: false, name: 'test', destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString('utf8')), done()) }) });
    const stop = watchCalendar(env.database.db, logger, () => new Date(`${lastYear}-11-02T09:00:00+08:00`));
    try {
      await eventually(async () => (lines.some((l) => l.includes(`No holiday calendar for ${lastYear + 1}`) && l.includes('"level":40')) ? true : undefined), { what: 'the calendar warning' });
    } finally {
      stop();
    }

    const caseNo = await file({ citizen: CITIZEN });
    await waitFor(caseNo, (v) => v.deadline !== null, 'routed');
    const { deadline, stepSince, deadlineCalendar } = await read(await env.key('intake'), caseNo);
    const years = localYears(new Date(stepSince), new Date(deadline!));
    expect(deadlineCalendar).toEqual(years.map((year) => ({ year, source: sources.get(year)?.source ?? 'weekdays', updatedAt: sources.get(year)?.updatedAt.toISOString() ?? null })));
  });
});

describe('supervision orders', () => {
  it('misses an order past its own deadline, records the warning and the miss, counts both in the unit’s scores, and lists orders per supervisor', async () => {
    const caseNo = await file({ citizen: CITIZEN });
    await waitFor(caseNo, (v) => v.status === 'awaiting-sign' && v.deadline !== null, 'routed to the community');
    const street = await env.key('supervisor', 'street-heping');
    const handler = await env.key('handler', COMMUNITY);
    const order = (key: string, body: unknown) => env.call(key, 'POST', `/v1/complaints/${caseNo}/supervision-orders`, body);

    // The community's own supervisor is not above the case's holder.
    const own = await order(await env.key('supervisor', COMMUNITY), { note: 'Self-supervision', limit: 'PT1H' });
    expect(own.statusCode, own.body).toBe(409);
    expect(own.json<{ reason: string }>().reason).toBe('InvalidTarget');
    expect((await order(street, { note: 'x', limit: 'tomorrow' })).statusCode).toBe(422);

    const first = await order(street, { note: 'Fix the railing before the inspection', limit: 'PT2S' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<CaseView>().orders[0]).toMatchObject({ n: 1, by: 'street-heping', to: COMMUNITY, open: true, deadline: expect.any(String) as unknown });
    const missed = await waitFor(caseNo, (v) => v.orders[0]?.missed === true, 'the first order missed');
    expect(missed.timeline.map((e) => e.action)).toEqual(expect.arrayContaining(['order-issued', 'order-warning', 'order-missed']));
    expect(missed.timeline.find((e) => e.action === 'order-missed')).toMatchObject({ toUnitId: COMMUNITY, detail: { order: 1, issuedBy: 'street-heping' } });

    expect((await order(street, { note: 'Report what you did', limit: 'PT10M' })).statusCode).toBe(200);
    const answer = (key: string, body: unknown) => env.call(key, 'POST', `/v1/complaints/${caseNo}/supervision-order-answer`, body);
    expect((await answer(handler, { order: 1, feedback: 'Too late' })).statusCode).toBe(409);
    expect((await answer(await env.key('handler', 'comm-heping-south'), { order: 2, feedback: 'Not ours' })).statusCode).toBe(403);
    const answered = await answer(handler, { order: 2, feedback: 'The railing was fixed on Tuesday; photos attached to the reply.' });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json<CaseView>().orders[1]).toMatchObject({ open: false, missed: false, feedback: { onTime: true, text: expect.stringMatching(/railing/) as unknown } });

    // The list reads the read model, which follows the case a moment later.
    const mine = await eventually(
      async () => {
        const listed = await env.call(street, 'GET', '/v1/units/street-heping/supervision-orders');
        expect(listed.statusCode, listed.body).toBe(200);
        const orders = listed.json<{ orders: Array<{ caseNo: string; n: number; status: string }> }>().orders.filter((o) => o.caseNo === caseNo);
        return orders.some((o) => o.status === 'answered') ? orders : undefined;
      },
      { what: 'the answered order listed' },
    );
    expect(mine.map((o) => [o.n, o.status]).sort()).toEqual([[1, 'missed'], [2, 'answered']]);
    expect((await env.call(handler, 'GET', '/v1/units/street-heping/supervision-orders')).statusCode).toBe(403);

    await post(handler, caseNo, 'sign-for', {});
    await post(handler, caseNo, 'resolve', { reply: 'Fixed' });
    await post(await env.key('evaluator'), caseNo, 'evaluation', { rating: 'satisfied' });
    const { closedAt } = await handleOf(caseNo).result();
    recorded.push(caseNo);
    const [row] = await env.database.db.select().from(caseOutcomes).where(and(eq(caseOutcomes.caseNo, caseNo), eq(caseOutcomes.unitId, COMMUNITY)));
    expect(row).toMatchObject({ ordersIssued: 2, ordersAnsweredOnTime: 1, ordersWarned: 1, ordersMissed: 1 });
    const performance = await env.call(await env.key('admin'), 'GET', `/v1/units/${COMMUNITY}/performance?period=${periodOf(closedAt)}`);
    expect(performance.statusCode, performance.body).toBe(200);
    const scored = performance.json<{ performance: { ordersMissed: number; ordersIssued: number; supervisionRate: number } }>().performance;
    expect(scored.ordersMissed).toBeGreaterThanOrEqual(1);
    expect(scored.supervisionRate).toBeLessThan(1);
  });
});

describe('difficult cases and staged completion', () => {
  it('grants a longer limit at the centre, completes a stage, and brings the case back to its holder when the follow-up timer fires', async () => {
    const caseNo = await file({ citizen: CITIZEN });
    const routed = await waitFor(caseNo, (v) => v.status === 'awaiting-sign' && v.deadline !== null, 'routed to the community');
    expect(routed.unitId).toBe(COMMUNITY);
    const handler = await env.key('handler', COMMUNITY);
    await post(handler, caseNo, 'sign-for', {});
    const handling = await waitFor(caseNo, (v) => v.status === 'handling' && v.deadline !== null, 'handling');

    expect((await env.call(handler, 'POST', `/v1/complaints/${caseNo}/staged-completion`, { done: 'x', plan: 'y', followUpAt: new Date(Date.now() + 60_000).toISOString() })).statusCode).toBe(409);
    expect((await env.call(handler, 'POST', `/v1/complaints/${caseNo}/difficult-application`, { reason: 'Needs a new drain', limit: '1 working hours' })).statusCode).toBe(422);
    await post(handler, caseNo, 'difficult-application', { reason: 'The drain under the road must be rebuilt', limit: '30 working days' });
    expect((await env.call(await env.key('supervisor', 'street-heping'), 'POST', `/v1/complaints/${caseNo}/difficult-decision`, { approve: true })).statusCode).toBe(403);
    await post(await env.key('supervisor', 'centre'), caseNo, 'difficult-decision', { approve: true, note: 'Approved by the centre' });
    const difficult = await waitFor(caseNo, (v) => v.difficult?.status === 'approved' && v.deadline !== null && v.deadline > handling.deadline!, 'the longer limit');
    expect(difficult.difficult).toMatchObject({ limit: '30 working days', reason: expect.stringMatching(/drain/) as unknown });

    const followUpAt = new Date(Date.now() + 3000).toISOString();
    await post(handler, caseNo, 'staged-completion', { done: 'Dug up the road and found the break', plan: 'Replace 20 m of pipe', followUpAt });
    const staged = await waitFor(caseNo, (v) => v.status === 'staged', 'staged');
    expect(staged.tasks[0]?.staged).toMatchObject({ followUpAt, plan: 'Replace 20 m of pipe' });
    expect(staged.timeline.filter((e) => e.action === 'citizen-informed')).toHaveLength(2);

    const back = await waitFor(caseNo, (v) => v.status === 'handling' && v.timeline.some((e) => e.action === 'follow-up-due') && v.deadline !== null, 'back after the follow-up');
    expect(back).toMatchObject({ unitId: COMMUNITY, level: 'community' });
    expect(back.tasks[0]).toMatchObject({ staged: null, node: handling.tasks[0]!.node });
    expect(Date.parse(back.tasks[0]!.since)).toBeGreaterThanOrEqual(Date.parse(followUpAt));
    expect(back.timeline.at(-1)).toMatchObject({ action: 'citizen-informed' });

    await post(handler, caseNo, 'resolve', { reply: 'Pipe replaced' });
    await post(await env.key('evaluator'), caseNo, 'evaluation', { rating: 'satisfied' });
    expect(await handleOf(caseNo).result()).toMatchObject({ outcome: 'closed' });
    recorded.push(caseNo);
  });
});

describe('citizen follow-ups', () => {
  it('puts what the citizen adds or asks on the timeline, tells the holder, and makes the case urgent after repeated progress asks', async () => {
    const caseNo = await file({ citizen: CITIZEN });
    await waitFor(caseNo, (v) => v.status === 'awaiting-sign' && v.deadline !== null, 'routed to the community');
    const intake = await env.key('intake');
    const followUp = (key: string, body: unknown) => env.call(key, 'POST', `/v1/complaints/${caseNo}/follow-ups`, body);
    expect((await followUp(await env.key('intake', 'wechat'), { kind: 'progress', text: 'Any news?' })).statusCode).toBe(403);
    expect((await followUp(await env.key('handler', COMMUNITY), { kind: 'progress', text: 'Any news?' })).statusCode).toBe(403);

    const added = await followUp(intake, { kind: 'information', text: 'The railing on floor 4 is loose too.' });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json<CaseView>().timeline.at(-1)).toMatchObject({ action: 'citizen-follow-up', toUnitId: COMMUNITY, detail: { kind: 'information', progressAsks: 0 } });
    for (const n of [1, 2]) {
      const asked = await followUp(intake, { kind: 'progress', text: `Asking again (${n})` });
      expect(asked.json<CaseView>().urgency).toBe('normal');
    }
    const third = await followUp(intake, { kind: 'progress', text: 'Third time: when?' });
    expect(third.json<CaseView>()).toMatchObject({ urgency: 'urgent' });
    expect(third.json<CaseView>().timeline.map((e) => e.action).slice(-2)).toEqual(['citizen-follow-up', 'priority-raised']);
    // The holder is told each time, through the outbox the notifier sends from.
    await eventually(
      async () => {
        const rows = await env.database.db.select().from(notifications).where(eq(notifications.caseNo, caseNo));
        return rows.filter((r) => r.message.includes('the citizen')).length >= 4 ? true : undefined;
      },
      { what: 'four follow-up notifications' },
    );
    await expectClosedAfterHandling(caseNo);
  });
});

/** Handles the case to close at the community and keeps its history as a replay fixture. */
async function expectClosedAfterHandling(caseNo: string): Promise<void> {
  await handleAtCommunity(caseNo);
  await post(await env.key('evaluator'), caseNo, 'evaluation', { rating: 'satisfied' });
  expect(await handleOf(caseNo).result()).toMatchObject({ outcome: 'closed' });
  recorded.push(caseNo);
}

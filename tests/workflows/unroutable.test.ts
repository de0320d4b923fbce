/**
 * A case the reference data cannot place (its location is under no district centre) says why — in its
 * status, its timeline, the API, the read model and the Temporal UI — and routes by itself once the data is fixed.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases, units } from '../../db/schema.js';
import { shippedProcess } from '../../processes/shipped.js';
import { caseSearchAttributes } from '../../workflows/search-attributes.js';
import { caseStateQuery } from '../../workflows/messages.js';
import { deployTestProcess, startCase, testLimits, waitForCase } from '../helpers/cases.js';
import { withLimits } from '../helpers/limits.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let orphan: string;
beforeAll(async () => {
  env = await createTestEnv();
  orphan = `comm-orphan-${env.ticket().toLowerCase()}`;
  await env.database.db.insert(units).values({ id: orphan, name: 'A community nobody attached', level: 'community', kind: 'community', parentId: null });
});
afterAll(async () => {
  await env?.database.db.update(units).set({ active: false }).where(eq(units.id, orphan));
  await env?.close();
});

describe('a case that cannot be routed', () => {
  it('is visibly unroutable with its reason, retries quietly, and routes once the unit tree is fixed', { timeout: 60_000 }, async () => {
    const shipped = await shippedProcess();
    const limits = testLimits();
    const model = { ...shipped, settings: { ...shipped.settings, caseLimits: { ...shipped.settings.caseLimits!, routeRetry: 'PT2S' } } };
    const { caseNo, handle } = await startCase(env, await deployTestProcess(env, limits, withLimits(model, limits)), { location: { unitId: orphan } });

    const stuck = await waitForCase(handle, (v) => v.status === 'unroutable');
    expect(stuck.incident).toMatchObject({ reason: 'no-district-centre', retryAt: expect.any(String) });
    expect(stuck.step).toBe('route');
    const admin = await env.key('admin');
    const answered = await env.call(admin, 'GET', `/v1/complaints/${caseNo}`);
    expect(answered.json()).toMatchObject({ status: 'unroutable', incident: { reason: 'no-district-centre' } });
    await eventually(async () => {
      const [row] = await env.database.db.select().from(cases).where(eq(cases.caseNo, caseNo));
      return row?.status === 'unroutable' ? row : undefined;
    }, { what: 'the read model to show the case unroutable' });
    await eventually(async () => ((await handle.describe()).typedSearchAttributes.get(caseSearchAttributes.status) === 'unroutable' ? true : undefined), {
      what: 'JiesuStatus = unroutable in the Temporal UI',
    });
    // No supervisor may act on a case that has no area yet.
    const cancel = await env.call(await env.key('supervisor', 'street-heping'), 'POST', `/v1/complaints/${caseNo}/cancel`, { originalCaseNo: 'hotline-x', reason: 'dup' });
    expect(cancel.json()).toMatchObject({ status: 409, reason: 'NotAllowedNow' });

    // Several retries later, still one entry saying why.
    await waitForCase(handle, (v) => v.incident !== null && v.incident.retryAt !== stuck.incident!.retryAt);
    await waitForCase(handle, (v) => v.incident !== null && Date.parse(v.incident.retryAt!) > Date.parse(stuck.incident!.retryAt!) + 2_000);
    expect((await handle.query(caseStateQuery)).timeline.filter((e) => e.action === 'routing-failed')).toHaveLength(1);

    await env.database.db.update(units).set({ parentId: 'street-heping' }).where(eq(units.id, orphan));
    const routed = await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null, 'the case to route once the tree is fixed');
    expect(routed).toMatchObject({ unitId: orphan, incident: null, districtId: 'centre' });
    // Ended without an outcome: the sample district's rankings stay as other tests expect them.
    await handle.terminate('test over');
  });
});

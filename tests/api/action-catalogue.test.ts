/**
 * One definition of who may take each action: the catalogue entry. Changing a role there changes the
 * API route, its OpenAPI description, the engine's refusal and the roles the case view offers the action
 * to, all together.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadChineseCalendar } from '../../db/calendar-source.js';
import { ACTIONS } from '../../domain/engine/actions.js';
import { shippedProcess } from '../../processes/shipped.js';
import { community, dispatcher, EngineHarness, ownerRoute, street, supervisor } from '../helpers/engine-harness.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';

const original = { ...ACTIONS.urge.who };
let env: TestEnv | undefined;
afterAll(async () => {
  ACTIONS.urge.who = original;
  await env?.close();
});

describe('the action catalogue', () => {
  it('is the one place an action\'s roles come from', async () => {
    const harness = new EngineHarness(await shippedProcess(), loadChineseCalendar(), ownerRoute('community'), '2026-03-02T02:00:00.000Z').start();
    expect(harness.refusal({ type: 'urge' }, dispatcher(street))).toBeNull();
    expect(harness.engine.view().allowedActions.dispatcher).toContain('urge');

    // Dispatchers may no longer urge: one edit, in the catalogue.
    ACTIONS.urge.who = { supervisor: 'area' };

    expect(harness.refusal({ type: 'urge' }, dispatcher(street))).toBe('NotPermitted');
    expect(harness.refusal({ type: 'urge' }, supervisor(street))).toBeNull();
    const view = harness.engine.view();
    expect(view.allowedActions.dispatcher ?? []).not.toContain('urge');
    expect(view.allowedActions.supervisor).toContain('urge');

    env = await createTestEnv({ worker: false });
    const refused = await env.call(await env.key('dispatcher', street.id), 'POST', '/v1/complaints/hotline-any/urge', { note: 'Hurry' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ detail: expect.stringMatching(/dispatcher key cannot call this; allowed: supervisor$/) });
    const openapi = (await env.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, { post: { description: string } }> }>();
    const description = openapi.paths['/v1/complaints/{caseNo}/urge']!.post.description;
    expect(description).toMatch(/^Who: a supervisor of a unit the case is within\. /);
    expect(description).not.toMatch(/dispatcher/);
    expect(harness.refusal({ type: 'signFor' }, supervisor(community))).toBe('NotPermitted');
  });
});

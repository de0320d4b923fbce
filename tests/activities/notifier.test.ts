import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../activities/notifier.js';
import { notifications } from '../../db/schema.js';
import { act, deployTestProcess, startCase, testLimits, waitForCase } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';
import { urgeSignal } from '../../workflows/messages.js';

const SECRET = 'webhook-test-secret';

/** A real HTTP receiver that fails the first `failures` requests, then accepts and verifies signatures. */
function receiver(failures: number) {
  const received: Array<{ body: string; signature: string; idempotencyKey: string; valid: boolean }> = [];
  let calls = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      calls += 1;
      if (calls <= failures) {
        res.statusCode = 503;
        return res.end();
      }
      const signature = String(req.headers['x-jiesu-signature']);
      const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      received.push({ body, signature, idempotencyKey: String(req.headers['idempotency-key']), valid: signature === expected });
      res.statusCode = 204;
      res.end();
    });
  });
  return {
    received,
    calls: () => calls,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/hook`))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hook = receiver(3);
let env: TestEnv;
beforeAll(async () => {
  const url = await hook.start();
  env = await createTestEnv({ notifier: new WebhookNotifier(url, SECRET) });
});
afterAll(async () => {
  await env?.close();
  await hook.stop();
});

describe('webhook notifications', () => {
  it('are signed, retried while the receiver fails, and never block the case', async () => {
    const { caseNo, handle } = await startCase(env, await deployTestProcess(env, testLimits()));
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    await handle.signal(urgeSignal, { actor: { role: 'supervisor', id: 's', unitId: 'street-heping' }, note: 'Please act' });
    // The case moves on while the urge notification is still failing and retrying.
    await act(handle, 'signFor', { actor: { role: 'handler', id: 'h', unitId: 'comm-heping-north' } });
    const resolved = await act(handle, 'resolve', { actor: { role: 'handler', id: 'h', unitId: 'comm-heping-north' }, reply: 'Done' });
    expect(resolved.status).toBe('awaiting-evaluation');

    const delivered = await eventually(async () => hook.received.find((r) => JSON.parse(r.body).caseNo === caseNo), { what: 'the urge notification', timeoutMs: 40_000 });
    expect(hook.calls()).toBeGreaterThan(3);
    expect(delivered.valid).toBe(true);
    expect(JSON.parse(delivered.body)).toMatchObject({ kind: 'urge', caseNo, unitIds: ['comm-heping-north'] });
    const [row] = await eventually(async () => {
      const rows = await env.database.db.select().from(notifications).where(eq(notifications.id, delivered.idempotencyKey));
      return rows[0]?.deliveredAt ? rows : undefined;
    });
    expect(row?.kind).toBe('urge');
  });

  it('throws on a non-2xx answer so the activity retries', async () => {
    const failing = receiver(1);
    const url = await failing.start();
    const notifier = new WebhookNotifier(url, SECRET);
    const notification = { id: 'n-1', kind: 'urge' as const, caseNo: 'hotline-x', unitIds: ['u'], message: 'm' };
    await expect(notifier.send(notification)).rejects.toThrow(/503/);
    await notifier.send(notification);
    expect(failing.received).toHaveLength(1);
    expect(failing.received[0]?.valid).toBe(true);
    await failing.stop();
  });
});

import { createServer, type IncomingMessage, type Server } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_TOLERANCE_S, WebhookNotifier } from '../../activities/notifier.js';
import { notifications } from '../../db/schema.js';
import { act, deployTestProcess, startCase, testLimits, waitForCase } from '../helpers/cases.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

const SECRET = 'webhook-test-secret';
const MAX_ATTEMPTS = 4;

/**
 * A real HTTP receiver that fails the first `failures` requests and every request about a case in `dead`
 * (503), and accepts and verifies the others the way a receiver should.
 */
function receiver(failures: number) {
  const received: Array<{ body: string; signature: string; idempotencyKey: string; valid: boolean }> = [];
  const dead = new Set<string>();
  let calls = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      calls += 1;
      if (calls <= failures || dead.has(JSON.parse(body).caseNo)) {
        res.statusCode = 503;
        return res.end();
      }
      const signature = String(req.headers['x-jiesu-signature']);
      received.push({ body, signature, idempotencyKey: String(req.headers['idempotency-key']), valid: WebhookNotifier.verify(SECRET, signature, body) });
      res.statusCode = 204;
      res.end();
    });
  });
  return {
    received,
    dead,
    calls: () => calls,
    start: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/hook`))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hook = receiver(3);
let env: TestEnv;
beforeAll(async () => {
  const url = await hook.start();
  env = await createTestEnv({ notifier: new WebhookNotifier(url, SECRET), outbox: { maxAttempts: MAX_ATTEMPTS } });
});
afterAll(async () => {
  await env?.close();
  await hook.stop();
});

const supervisor = { role: 'supervisor' as const, id: 's', unitId: 'street-heping' };
const handler = { role: 'handler' as const, id: 'h', unitId: 'comm-heping-north' };

describe('webhook notifications', () => {
  it('are signed with their time, retried while the receiver fails, and never block the case', async () => {
    const { caseNo, handle } = await startCase(env, await deployTestProcess(env, testLimits()));
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    await act(handle, 'urge', { actor: supervisor, note: 'Please act' });
    // The case moves on while the urge notification is still failing and retrying.
    await act(handle, 'signFor', { actor: handler });
    const resolved = await act(handle, 'resolve', { actor: handler, reply: 'Done' });
    expect(resolved.status).toBe('awaiting-evaluation');

    const delivered = await eventually(async () => hook.received.find((r) => JSON.parse(r.body).caseNo === caseNo), { what: 'the urge notification', timeoutMs: 40_000 });
    expect(hook.calls()).toBeGreaterThan(3);
    expect(delivered.valid).toBe(true);
    expect(delivered.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(delivered.body)).toMatchObject({ kind: 'urge', caseNo, unitIds: ['comm-heping-north'] });
    const [row] = await eventually(async () => {
      const rows = await env.database.db.select().from(notifications).where(eq(notifications.id, delivered.idempotencyKey));
      return rows[0]?.deliveredAt ? rows : undefined;
    });
    expect(row).toMatchObject({ kind: 'urge', failedAt: null, queue: env.taskQueue });
  });

  it('are refused by a receiver when replayed later, or when body or secret differ', () => {
    const body = JSON.stringify({ id: 'n-1', kind: 'urge' });
    const now = Math.floor(Date.now() / 1000);
    const header = WebhookNotifier.signature(SECRET, body, now);
    expect(WebhookNotifier.verify(SECRET, header, body, now)).toBe(true);
    expect(WebhookNotifier.verify(SECRET, header, body, now + SIGNATURE_TOLERANCE_S + 1)).toBe(false);
    expect(WebhookNotifier.verify(SECRET, header, body.replace('urge', 'warning'), now)).toBe(false);
    expect(WebhookNotifier.verify('another-secret', header, body, now)).toBe(false);
    expect(WebhookNotifier.verify(SECRET, header.replace(/t=\d+/, `t=${now + 1}`), body, now)).toBe(false);
    expect(WebhookNotifier.verify(SECRET, 'sha256=00', body, now)).toBe(false);
  });

  it('give up after their last attempt without holding a closed case open', async () => {
    const { caseNo, handle } = await startCase(env, await deployTestProcess(env, testLimits()));
    hook.dead.add(caseNo);
    await waitForCase(handle, (v) => v.status === 'awaiting-sign' && v.deadline !== null);
    await act(handle, 'urge', { actor: supervisor, note: 'Nobody will hear this' });
    await act(handle, 'cancel', { actor: supervisor, originalCaseNo: 'hotline-original', reason: 'duplicate' });
    await expect(handle.result()).resolves.toMatchObject({ outcome: 'cancelled' });

    const [row] = await eventually(
      async () => {
        const rows = await env.database.db.select().from(notifications).where(eq(notifications.caseNo, caseNo));
        return rows.length > 0 && rows.every((r) => r.failedAt !== null) ? rows : undefined;
      },
      { what: 'the notification to be given up', timeoutMs: 30_000 },
    );
    expect(row).toMatchObject({ attempts: MAX_ATTEMPTS, deliveredAt: null, lastError: expect.stringMatching(/503/) });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationInput } from '../domain/engine/types.js';
import type { Logger } from '../infra/logger.js';

/** Where notifications go: a unit's inbox, SMS gateway or messaging bridge behind a webhook. */
export interface Notifier {
  send(notification: NotificationInput): Promise<void>;
}

/** Development adapter: writes notifications to the log. */
export class LogNotifier implements Notifier {
  constructor(private readonly logger: Logger) {}
  async send(notification: NotificationInput): Promise<void> {
    this.logger.info({ notification: { id: notification.id, kind: notification.kind, caseNo: notification.caseNo, unitIds: notification.unitIds } }, 'Notification');
  }
}

/** How old a signed webhook may be before a receiver must reject it as a replay. */
export const SIGNATURE_TOLERANCE_S = 300;

/**
 * Production adapter: POSTs the notification as JSON to a configured URL, signed with HMAC-SHA256 over
 * the send time and the body: `X-Jiesu-Signature: t=<unix seconds>,v1=<hex>` where the MAC covers
 * `<t>.<body>`. A receiver checks the MAC and rejects a `t` older than {@link SIGNATURE_TOLERANCE_S}, so a
 * captured request cannot be replayed later; the notification id (`Idempotency-Key`) lets it drop the
 * duplicates that retries produce. A non-2xx answer throws, and the outbox retries.
 */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  static signature(secret: string, body: string, at: number = Math.floor(Date.now() / 1000)): string {
    return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`;
  }

  /** What a receiver does: true when `header` signs `body` with `secret` and was made within the tolerance. */
  static verify(secret: string, header: string, body: string, now: number = Math.floor(Date.now() / 1000)): boolean {
    const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=') as [string, string]));
    const at = Number(parts.t);
    if (!Number.isInteger(at) || Math.abs(now - at) > SIGNATURE_TOLERANCE_S || typeof parts.v1 !== 'string') return false;
    const expected = Buffer.from(WebhookNotifier.signature(secret, body, at).split('v1=')[1]!, 'hex');
    const presented = Buffer.from(parts.v1, 'hex');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  async send(notification: NotificationInput): Promise<void> {
    const body = JSON.stringify(notification);
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': notification.id,
        'x-jiesu-signature': WebhookNotifier.signature(this.secret, body),
      },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`Webhook answered ${response.status} for notification ${notification.id}`);
  }
}

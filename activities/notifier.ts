import { createHmac } from 'node:crypto';
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

/**
 * Production adapter: POSTs the notification as JSON to a configured URL, signed with HMAC-SHA256
 * over the body (`X-Jiesu-Signature: sha256=<hex>`). The notification id is the idempotency key, so a
 * receiver drops the duplicates that retries can produce. A non-2xx answer throws, and the activity retries.
 */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  static signature(secret: string, body: string): string {
    return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
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

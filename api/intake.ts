/**
 * What intake checks beyond the request schema: the rules between a complaint's fields (who raised it, the
 * citizen, privacy) and a stated reception time. Every mistake is a 400 naming its field.
 */
import type { Complaint } from '../domain/case.js';
import { HttpProblem } from './problem.js';
import type { ComplaintBody } from './schemas.js';

/** A clock skew a portal's stated reception time may be ahead of ours by (it counts as now). */
const CLOCK_SKEW_MS = 120_000;
const DAY_MS = 86_400_000;

/** Field errors of a complaint that the schema alone cannot catch. */
export function intakeErrors(body: ComplaintBody, now: Date, receivedAtMaxDays: number): Array<{ field: string; message: string }> {
  const errors: Array<{ field: string; message: string }> = [];
  const origin = body.origin ?? 'citizen';
  const privacy = body.privacy ?? 'open';
  if (origin !== 'citizen' && body.citizen !== undefined) errors.push({ field: 'body/citizen', message: `a case found by a ${origin} has no citizen; leave citizen out` });
  if (origin !== 'citizen' && privacy !== 'open') errors.push({ field: 'body/privacy', message: `a case found by a ${origin} has no citizen whose contact could be private; leave privacy out` });
  if (origin === 'citizen' && privacy === 'anonymous' && body.citizen !== undefined) errors.push({ field: 'body/citizen', message: 'an anonymous case carries no contact; leave citizen out' });
  if (origin === 'citizen' && privacy !== 'anonymous' && body.citizen === undefined) {
    errors.push({ field: 'body/citizen', message: 'a citizen-raised case needs the citizen\'s name and phone, or privacy "anonymous"' });
  }
  if (body.receivedAt !== undefined) {
    const at = Date.parse(body.receivedAt);
    if (at > now.getTime() + CLOCK_SKEW_MS) errors.push({ field: 'body/receivedAt', message: `must not be in the future (now is ${now.toISOString()})` });
    else if (at < now.getTime() - receivedAtMaxDays * DAY_MS) errors.push({ field: 'body/receivedAt', message: `must be at most ${receivedAtMaxDays} days back` });
  }
  return errors;
}

/** The complaint a portal files, or a 400 naming every field in conflict. */
export function complaintOf(body: ComplaintBody, source: string, now: Date, receivedAtMaxDays: number): Complaint {
  const errors = intakeErrors(body, now, receivedAtMaxDays);
  if (errors.length > 0) throw new HttpProblem(400, 'validation', 'Invalid request', errors.map((e) => `${e.field} ${e.message}`).join('; '), { errors });
  const { citizen, receivedAt, ...fields } = body;
  return {
    ...fields,
    source,
    urgency: body.urgency ?? 'normal',
    citizen: citizen ?? {},
    ...(receivedAt !== undefined ? { receivedAt: new Date(receivedAt).toISOString() } : {}),
  };
}

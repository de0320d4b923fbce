import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** An RFC 9457 problem; the API answers every error with one, as `application/problem+json`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** Machine-readable domain reason (e.g. `AlreadySigned`). */
  reason?: string;
  /** Field-level validation errors. */
  errors?: Array<{ field: string; message: string }>;
}

const PROBLEM_BASE = 'https://jiesu.dev/problems/';

/** An error that the error handler turns into the matching problem response. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail?: string,
    readonly extra: Pick<Problem, 'reason' | 'errors'> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  toProblem(instance: string): Problem {
    return { type: `${PROBLEM_BASE}${this.slug}`, title: this.title, status: this.status, detail: this.message, instance, ...this.extra };
  }
}

export const notFound = (detail: string): HttpProblem => new HttpProblem(404, 'not-found', 'Not found', detail);

function validationProblem(error: FastifyError): HttpProblem {
  const part = error.validationContext ?? 'request';
  const errors = (error.validation ?? []).map((v) => {
    if (v.keyword === 'required') return { field: `${part}${v.instancePath}/${String((v.params as { missingProperty?: string }).missingProperty)}`, message: 'was not provided' };
    const extra = v.keyword === 'additionalProperties' ? `/${String((v.params as { additionalProperty?: string }).additionalProperty)}` : '';
    return { field: `${part}${v.instancePath}${extra}`, message: v.message ?? 'is invalid' };
  });
  const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ') || error.message;
  return new HttpProblem(400, 'validation', 'Invalid request', detail, { errors });
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03']);

/** True for errors that mean a backing service (PostgreSQL, Temporal) is unreachable right now. */
export function backendUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    // gRPC UNAVAILABLE or DEADLINE_EXCEEDED from the Temporal client (a query while no worker answers)
    if (code === 14 || code === 4 || /Connection terminated|timeout exceeded when trying to connect|14 UNAVAILABLE|4 DEADLINE_EXCEEDED|query timed out/i.test(e.message)) return true;
    // FAILED_PRECONDITION for a query while no worker polls, or while the case's workflow task is being
    // retried (a worker was killed or is overloaded): the case answers again once a worker has it.
    if (code === 9 && /no poller seen|workflow task in failed state/i.test(e.message)) return true;
  }
  return false;
}

/**
 * The one classification of errors: client mistakes become 4xx problems, an unreachable backing service
 * 503 with Retry-After; anything else is logged and answered generically. Renderers (problem+json
 * below, Open311's error list) only format what this decides.
 */
export function problemOf(error: FastifyError | HttpProblem | Error, request: FastifyRequest, reply: FastifyReply): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if ('validation' in error && error.validation) return validationProblem(error);
  if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type, rate limit, …
    const titles: Record<number, string> = { 413: 'Payload too large', 414: 'URI too long', 415: 'Unsupported media type', 429: 'Too many requests' };
    const code = 'code' in error && typeof error.code === 'string' ? error.code : 'client-error';
    return new HttpProblem(error.statusCode, code.toLowerCase(), titles[error.statusCode] ?? 'Bad request', error.message);
  }
  if (backendUnavailable(error)) {
    request.log.warn({ err: error }, 'A backing service is unavailable');
    void reply.header('retry-after', '5');
    return new HttpProblem(503, 'unavailable', 'Service unavailable', 'A backing service is briefly unavailable; retry shortly. Intake keeps working.');
  }
  request.log.error({ err: error }, 'Unhandled error');
  return new HttpProblem(500, 'internal', 'Internal server error', 'The request failed on our side; it has been logged.');
}

/** The one error handler of the API: every error as `application/problem+json`. */
export function problemErrorHandler(error: FastifyError | HttpProblem | Error, request: FastifyRequest, reply: FastifyReply): void {
  const problem = problemOf(error, request, reply);
  void reply.status(problem.status).type('application/problem+json').send(problem.toProblem(request.url));
}

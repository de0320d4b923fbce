/**
 * The app's calls to the API. The browser holds a workbench session cookie (HttpOnly: scripts never see it)
 * and sends the app header with every call, which the API requires of cookie-authenticated changes (CSRF).
 */
import { ref } from 'vue';
import { learnNames } from './names.js';

/** RFC 9457 problem details, as the API answers every error. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  reason?: string;
  errors?: Array<{ field: string; message: string }>;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }

  /** The short name of the problem: the engine's reason, else the problem type's last part. */
  get code(): string {
    return this.problem.reason ?? this.problem.type?.split('/').pop() ?? String(this.problem.status);
  }
}

/** Set when the API says the session is gone: the app goes back to the sign-in page. */
export const sessionLost = ref(0);

const APP_HEADER = { 'x-jiesu-app': '1' };

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; data: T; headers: Headers }> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { ...APP_HEADER, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/xml' : 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  const data = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const problem = (data as Problem | undefined) ?? { title: response.statusText, status: response.status };
    if (response.status === 401 && !path.endsWith('/session')) sessionLost.value += 1;
    throw new ApiError({ ...problem, status: response.status });
  }
  learnNames(data);
  return { status: response.status, data: data as T, headers: response.headers };
}

export const get = async <T>(path: string): Promise<T> => (await api<T>('GET', path)).data;
export const post = async <T>(path: string, body: unknown = {}, headers?: Record<string, string>): Promise<T> => (await api<T>('POST', path, body, headers)).data;

/** A query string from the defined values of `params`. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

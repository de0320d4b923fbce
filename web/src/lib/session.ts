/** Who is signed in: the workbench session (GET /app/api/session), shared by every page. */
import { reactive } from 'vue';
import { ApiError, get, post } from './api.js';

export type Role = 'handler' | 'dispatcher' | 'supervisor' | 'admin';

export interface SessionInfo {
  keyId: string;
  name: string;
  role: Role;
  unitId: string | null;
  expiresAt: string;
}

export const session = reactive<{ info: SessionInfo | null; checked: boolean }>({ info: null, checked: false });

/** Asks the API whether this browser holds a live session. */
export async function loadSession(): Promise<SessionInfo | null> {
  try {
    session.info = await get<SessionInfo>('/app/api/session');
  } catch (error) {
    if (!(error instanceof ApiError) || error.problem.status !== 401) throw error;
    session.info = null;
  }
  session.checked = true;
  return session.info;
}

/** Exchanges the key for a session cookie; the key is sent once and kept nowhere. */
export async function signIn(key: string): Promise<SessionInfo> {
  session.info = await post<SessionInfo>('/app/api/session', { key });
  session.checked = true;
  return session.info;
}

export async function signOut(): Promise<void> {
  await post('/app/api/logout');
  session.info = null;
}

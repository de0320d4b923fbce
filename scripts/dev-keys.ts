import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { activeApiKeys, createApiKey, type NewApiKey } from '../db/api-keys.js';
import type { Db } from '../db/client.js';

/** Keys `npm run dev` keeps for the sample district, so the API can be tried at once. Development only. */
const DEV_KEYS: Record<string, NewApiKey> = {
  intake: { name: 'dev: hotline intake', role: 'intake', source: 'hotline' },
  evaluator: { name: 'dev: evaluation callback', role: 'evaluator' },
  admin: { name: 'dev: admin', role: 'admin' },
  'supervisor-centre': { name: 'dev: centre supervisor', role: 'supervisor', unitId: 'centre' },
  'dispatcher-centre': { name: 'dev: centre dispatcher', role: 'dispatcher', unitId: 'centre' },
  'dispatcher-street-heping': { name: 'dev: Heping Street dispatcher', role: 'dispatcher', unitId: 'street-heping' },
  'handler-street-heping': { name: 'dev: Heping Street handler', role: 'handler', unitId: 'street-heping' },
  'handler-comm-heping-north': { name: 'dev: Heping North Community handler', role: 'handler', unitId: 'comm-heping-north' },
  'handler-dept-market': { name: 'dev: Market Supervision handler', role: 'handler', unitId: 'dept-market' },
};

/**
 * The development keys, in plain text in a local file (the database stores only their hashes).
 * Reused while they are still active; any missing or revoked one is created again.
 */
export async function ensureDevKeys(db: Db, file: string): Promise<Record<string, string>> {
  const saved: Record<string, string> = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, string>) : {};
  const active = new Set((await activeApiKeys(db)).map((k) => k.id));
  const keys: Record<string, string> = {};
  for (const [name, spec] of Object.entries(DEV_KEYS)) {
    const existing = saved[name];
    const id = existing?.split('_')[1];
    keys[name] = existing && id && active.has(id) ? existing : (await createApiKey(db, spec)).key;
  }
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

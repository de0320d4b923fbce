/**
 * API keys: `npm run keys -- create --role handler --unit comm-heping-north --name "Heping North desk"`,
 * `npm run keys -- list`, `npm run keys -- revoke <id>`. The key is printed once, at creation;
 * only its hash is stored.
 */
import { parseArgs } from 'node:util';
import { bindingProblem, createApiKey, listApiKeys, PRINCIPAL_ROLES, revokeApiKey, type PrincipalRole } from '../db/api-keys.js';
import { createDb } from '../db/client.js';
import { loadConfig } from '../infra/config.js';
import { scriptDatabaseUrl } from './database-url.js';

const usage = `Usage:
  npm run keys -- create --role <${PRINCIPAL_ROLES.join('|')}> --name <name> [--unit <unit id>] [--source <portal>]
  npm run keys -- list
  npm run keys -- revoke <key id>`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { role: { type: 'string' }, name: { type: 'string' }, unit: { type: 'string' }, source: { type: 'string' } },
});
const [command, ...rest] = positionals;
const fail = (message: string): never => {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
};

const config = loadConfig();
const database = createDb({ url: scriptDatabaseUrl(config), max: 1 });
try {
  if (command === 'create') {
    const role = values.role as PrincipalRole | undefined;
    if (!role || !PRINCIPAL_ROLES.includes(role)) fail(`--role must be one of ${PRINCIPAL_ROLES.join(', ')}`);
    if (!values.name) fail('--name is required');
    const input = { name: values.name!, role: role!, unitId: values.unit ?? null, source: values.source ?? null };
    const problem = bindingProblem(input);
    if (problem) fail(problem);
    const { key, row } = await createApiKey(database.db, input);
    process.stdout.write(`Created key ${row.id} (${row.role}${row.unitId ? ` of ${row.unitId}` : ''}${row.source ? ` for ${row.source}` : ''}). Store it now; it is not shown again:\n${key}\n`);
  } else if (command === 'list') {
    for (const k of await listApiKeys(database.db)) {
      const binding = k.unitId ?? k.source ?? '';
      process.stdout.write(`${k.id}  ${k.role.padEnd(10)} ${binding.padEnd(22)} ${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'}  ${k.name}\n`);
    }
  } else if (command === 'revoke') {
    if (!rest[0]) fail('revoke needs a key id');
    if (!(await revokeApiKey(database.db, rest[0]!))) fail(`No key ${rest[0]}`);
    process.stdout.write(`Revoked ${rest[0]}; API processes stop accepting it within 10 seconds, and its browser sessions end within 2.\n`);
  } else {
    fail(command ? `Unknown command "${command}"` : 'No command');
  }
} finally {
  await database.close();
}

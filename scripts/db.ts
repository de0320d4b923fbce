/**
 * `npm run db:migrate` readies a database for deployment: the committed migrations and the reference data
 * every installation needs (calendar, default process, ranking policy). `npm run db:seed` also loads the
 * sample district. Against DATABASE_URL, or in development the embedded PostgreSQL of `npm run dev`.
 */
import { prepareDatabase } from '../db/prepare.js';
import { loadConfig } from '../infra/config.js';
import { scriptDatabaseUrl } from './database-url.js';

const command = process.argv[2];
if (command !== 'migrate' && command !== 'seed') {
  process.stderr.write('Usage: tsx scripts/db.ts <migrate|seed>\n');
  process.exit(2);
}
const config = loadConfig();
await prepareDatabase(scriptDatabaseUrl(config), { sampleDistrict: command === 'seed' });
process.stdout.write(command === 'migrate' ? 'Database migrated; reference data loaded.\n' : 'Database migrated; reference data and the sample district loaded.\n');

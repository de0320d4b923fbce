/**
 * `npm run db:migrate` applies the committed migrations; `npm run db:seed` also loads the reference
 * data (calendar, default process) and the sample district. Against DATABASE_URL, or in development
 * the embedded PostgreSQL of `npm run dev`.
 */
import { createDb } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { seedReferenceData, seedSampleDistrict } from '../db/seed.js';
import { loadConfig } from '../infra/config.js';
import { scriptDatabaseUrl } from './database-url.js';

const command = process.argv[2];
if (command !== 'migrate' && command !== 'seed' && command !== 'seed-reference') {
  process.stderr.write('Usage: tsx scripts/db.ts <migrate|seed|seed-reference>\n');
  process.exit(2);
}
const config = loadConfig();
const database = createDb({ url: scriptDatabaseUrl(config), max: 1 });
try {
  await migrateDatabase(database.pool);
  if (command === 'seed') await seedSampleDistrict(database.db);
  if (command === 'seed-reference') await seedReferenceData(database.db);
  process.stdout.write(`Database ${command === 'migrate' ? 'migrated' : 'migrated and seeded'}.\n`);
} finally {
  await database.close();
}

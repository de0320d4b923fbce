/** `npm run build:web`: builds the workbench into web/dist unless it is current (`--force` builds anyway). */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../infra/config.js';
import { ensureWebBuilt } from './web-build.js';

if (process.argv.includes('--force')) rmSync(path.join(projectRoot, 'web', 'dist', '.build-hash'), { force: true });
const result = await ensureWebBuilt();
if (result === 'current') process.stderr.write('The workbench is current (web/dist); `npm run build:web -- --force` rebuilds it\n');

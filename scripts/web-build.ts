/**
 * Building the workbench (web/) into web/dist, which the API serves at /app. The build is skipped when
 * nothing it depends on changed since the last one (a hash of web/'s sources and the lockfile, kept in
 * web/dist/.build-hash), so `npm test` and `npm run dev` pay for it only after a change.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { projectRoot } from '../infra/config.js';

const webDir = path.join(projectRoot, 'web');
const distDir = path.join(webDir, 'dist');
const hashFile = path.join(distDir, '.build-hash');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : files(full);
    return [full];
  });
}

/** What the build depends on: every file of web/ (but its output), the lockfile, and this script. */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  const inputs = [...files(webDir).sort(), path.join(projectRoot, 'package-lock.json'), path.join(projectRoot, 'scripts', 'web-build.ts')];
  for (const file of inputs) hash.update(path.relative(projectRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** Writes brotli and gzip copies of the text assets, so the API sends them compressed without compressing per request. */
function precompress(dir: string): void {
  for (const file of files(dir)) {
    if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
    const body = readFileSync(file);
    if (body.length < 1024) continue;
    writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
  }
}

/** Builds web/ unless web/dist is current; says which in `log`. */
export async function ensureWebBuilt(log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<'built' | 'current'> {
  const hash = webSourceHash();
  if (existsSync(hashFile) && readFileSync(hashFile, 'utf8') === hash && existsSync(path.join(distDir, 'index.html'))) return 'current';
  log('Building the workbench (web/ → web/dist) …');
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  precompress(distDir);
  writeFileSync(hashFile, hash);
  log(`Built the workbench in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'built';
}

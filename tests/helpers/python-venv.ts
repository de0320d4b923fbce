import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Runs a command with its output on the test's stderr (pip shows its progress there); rejects on failure. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 2, 2] });
    child.on('error', (error) => reject(new Error(`${command} could not start: ${error.message}. The Open311 client tests need Python 3 with venv (Debian: apt-get install python3-venv)`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (exit ${code})`))));
  });
}

/**
 * A Python virtual environment under the cache folder with exactly these PyPI packages, created with
 * `python3 -m venv` and pip on first use (with progress) and reused while the list is unchanged.
 * Returns its interpreter.
 */
export async function pythonVenv(cacheDir: string, name: string, requirements: string[]): Promise<string> {
  const dir = path.join(cacheDir, name);
  const python = path.join(dir, 'bin', 'python');
  const marker = path.join(dir, 'requirements.txt');
  const wanted = `${requirements.join('\n')}\n`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return python;
  // Not there, or from another list or an interrupted install: start clean.
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`Creating a Python venv in ${dir} and installing ${requirements.join(', ')} from PyPI (once; cached after)\n`);
  const started = Date.now();
  await run('python3', ['-m', 'venv', dir]);
  await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', ...requirements]);
  writeFileSync(marker, wanted);
  process.stderr.write(`Python venv ready in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return python;
}

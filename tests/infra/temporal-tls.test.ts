/**
 * mTLS to Temporal (docs/compose.md): with TEMPORAL_TLS_* set, both connections a worker opens — the client's
 * and the native one core uses — verify the server against the configured CA and name and present this
 * process's client certificate. A TLS server that requires client certificates records what each presents.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { temporalConnectionOptions } from '../../infra/temporal.js';

const run = promisify(execFile);
let dir: string;
let server: tls.Server;
let address: string;
/** Client certificate subjects the server accepted, in order. */
const accepted: string[] = [];
/** Handshakes the server refused (no or an untrusted client certificate). */
const refused: string[] = [];

async function issue(name: string, subject: string, extensions: string): Promise<void> {
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], { cwd: dir });
  await run('openssl', ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], { cwd: dir });
  await writeFile(path.join(dir, `${name}.ext`), extensions);
  await run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`], { cwd: dir });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'jiesu-tls-'));
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], { cwd: dir });
  await run('openssl', ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=jiesu test CA', '-days', '1', '-out', 'ca.pem'], { cwd: dir });
  await issue('server', '/CN=temporal.internal', 'subjectAltName=DNS:temporal.internal\nextendedKeyUsage=serverAuth\n');
  await issue('worker', '/CN=jiesu-worker', 'extendedKeyUsage=clientAuth\n');
  const file = (name: string) => readFile(path.join(dir, name));
  server = tls.createServer({ key: await file('server.key'), cert: await file('server.pem'), ca: await file('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (socket) => {
    accepted.push(String(socket.getPeerCertificate().subject.CN));
    socket.destroy();
  });
  server.on('tlsClientError', (error) => refused.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const tlsEnv = (files: Record<string, string>) => loadConfig({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal', ...Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.join(dir, f)])) });

describe('mTLS to Temporal', () => {
  it('presents the client certificate on the client and the native connection', async () => {
    const config = tlsEnv({ TEMPORAL_TLS_CA: 'ca.pem', TEMPORAL_TLS_CERT: 'worker.pem', TEMPORAL_TLS_KEY: 'worker.key' });
    const options = temporalConnectionOptions(config, address);
    // The handshake is all this server speaks: each connect then fails for want of a Temporal behind it.
    // Core's native connection first, while nothing else is connecting.
    await expect(NativeConnection.connect(options)).rejects.toThrow();
    expect(accepted).toContain('jiesu-worker');
    accepted.length = 0;
    await expect(Connection.connect({ ...options, connectTimeout: '3s' })).rejects.toThrow();
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted)).toEqual(new Set(['jiesu-worker']));
  });

  it('is refused without a client certificate', async () => {
    refused.length = 0;
    await expect(Connection.connect({ ...temporalConnectionOptions(tlsEnv({ TEMPORAL_TLS_CA: 'ca.pem' }), address), connectTimeout: '3s' })).rejects.toThrow();
    expect(refused.join('\n')).toMatch(/certificate/i);
  });

  it('fails at boot on a missing file or a certificate without its key', () => {
    expect(() => tlsEnv({ TEMPORAL_TLS_CA: 'missing.pem' })).toThrow(/TEMPORAL_TLS_CA must name a readable file/);
    expect(() => tlsEnv({ TEMPORAL_TLS_CERT: 'worker.pem' })).toThrow(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    expect(loadConfig({}).temporal.tls).toBeUndefined();
  });
});

import cors from '@fastify/cors';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Payload } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Principal } from '../../db/api-keys.js';
import { payloadCodec } from '../../infra/codec.js';
import type { RouteDeps } from '../app.js';
import { HttpProblem } from '../problem.js';
import { problemResponses } from '../schemas.js';

const COOKIE = 'jiesu_codec';
const SESSION_SECONDS = 8 * 3600;

const JsonPayload = Type.Object({ metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 200_000 }))), data: Type.Optional(Type.String({ maxLength: 4_000_000 })) });
const Payloads = Type.Object({ payloads: Type.Array(JsonPayload, { maxItems: 1000 }) }, { additionalProperties: true });

const fromJson = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function cookieKey(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/**
 * The codec endpoint the Temporal Web UI calls to show encrypted payloads in the clear (Temporal's codec
 * server protocol). Supervisors only: by API key, or by a session cookie set with POST /codec/session so the
 * UI's cross-origin calls (with credentials) carry it. CORS admits only the configured Temporal UI origin.
 */
export const codecRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { config, keys }) => {
  const codec = payloadCodec(config);
  const uiOrigin = new URL(config.temporal.uiUrl).origin;
  await app.register(cors, { origin: [uiOrigin], credentials: true, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization'], maxAge: 600 });

  const supervisor = async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.authorization?.startsWith('Bearer ') ? request.headers.authorization.slice(7).trim() : undefined;
    const key = header ?? cookieKey(request);
    const principal = key ? await keys.verify(key) : undefined;
    if (!principal) throw new HttpProblem(401, 'unauthenticated', 'Authentication required', 'Send a supervisor key, or open a codec session (POST /codec/session)');
    if (principal.role !== 'supervisor') throw new HttpProblem(403, 'forbidden', 'Forbidden', 'Only supervisors may read encrypted payloads');
    return principal;
  };

  app.post(
    '/codec/session',
    {
      schema: {
        tags: ['operations'],
        summary: 'Open a codec session for the Temporal UI: sets an HttpOnly cookie for /codec (supervisor key)',
        security: [{ apiKey: [] }],
        response: { 204: Type.Null(), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await supervisor(request);
      const key = request.headers.authorization!.slice(7).trim();
      return reply
        .header('set-cookie', `${COOKIE}=${encodeURIComponent(key)}; Path=/codec; HttpOnly; SameSite=Lax; Max-Age=${SESSION_SECONDS}`)
        .status(204)
        .send(null);
    },
  );

  for (const direction of ['encode', 'decode'] as const) {
    app.post(
      `/codec/${direction}`,
      {
        schema: {
          tags: ['operations'],
          summary: `Temporal codec server: ${direction} payloads (supervisors)`,
          security: [{ apiKey: [] }],
          body: Payloads,
          response: { 200: Type.Object({ payloads: Type.Array(JsonPayload) }), ...problemResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const principal = await supervisor(request);
        const payloads = request.body.payloads.map(fromJson);
        let result: Payload[];
        try {
          result = direction === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
        } catch (error) {
          throw new HttpProblem(400, 'undecodable', 'Cannot decode', (error as Error).message);
        }
        request.log.info({ keyId: principal.keyId, count: payloads.length, direction }, 'Codec request');
        return { payloads: result.map(toJson) };
      },
    );
  }
};

import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { portFrom } from './config';
import { EncryptionCodec, payloadKeysFrom } from './payload-codec';

/**
 * The codec server the Temporal Web UI (and `temporal` CLI) call to show encrypted payloads in clear:
 * POST /encode and POST /decode take and return `{ "payloads": [{ "metadata": {k: base64}, "data": base64 }] }`.
 * Environment: TEMPORAL_PAYLOAD_KEY* (as the worker), CODEC_SERVER_PORT (8888),
 * CODEC_SERVER_CORS_ORIGIN (http://localhost:8233), CODEC_SERVER_TOKEN (a bearer token; checked when set).
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  corsOrigin: string;
  token?: string;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

const fromJson = (payload: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: payload.data ? Buffer.from(payload.data, 'base64') : undefined,
});

const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: payload.data ? Buffer.from(payload.data).toString('base64') : undefined,
});

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function buildCodecServer(options: CodecServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Access-Control-Allow-Origin', options.corsOrigin);
    reply.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
    reply.header('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    reply.header('Access-Control-Allow-Credentials', 'true');
    reply.header('Vary', 'Origin');
    if (request.method === 'OPTIONS') return reply.code(204).send();
    if (options.token && !tokenMatches(request.headers.authorization, options.token)) {
      return reply.code(401).send({ message: 'missing or wrong bearer token' });
    }
  });

  for (const action of ['encode', 'decode'] as const) {
    app.post(`/${action}`, async (request, reply) => {
      const body = request.body as { payloads?: unknown } | undefined;
      if (!body || !Array.isArray(body.payloads)) return reply.code(400).send({ message: 'body must be { "payloads": [...] }' });
      try {
        const payloads = await options.codec[action]((body.payloads as JsonPayload[]).map(fromJson));
        return { payloads: payloads.map(toJson) };
      } catch (error) {
        return reply.code(400).send({ message: `cannot ${action}: ${(error as Error).message}` });
      }
    });
  }
  return app;
}

async function main(): Promise<void> {
  const payloadKeys = payloadKeysFrom(process.env);
  if (!payloadKeys) throw new Error('the codec server needs TEMPORAL_PAYLOAD_KEY');
  const app = buildCodecServer({
    codec: new EncryptionCodec(payloadKeys),
    corsOrigin: process.env.CODEC_SERVER_CORS_ORIGIN || 'http://localhost:8233',
    token: process.env.CODEC_SERVER_TOKEN || undefined,
  });
  const port = portFrom(process.env, 'CODEC_SERVER_PORT', 8888);
  const address = await app.listen({ host: process.env.CODEC_SERVER_HOST || '127.0.0.1', port });
  console.log(`codec server listening on ${address}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void app.close());
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

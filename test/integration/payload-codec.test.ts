import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { buildCodecServer } from '../../infra/codec-server';
import { loadConfig } from '../../infra/config';
import { ENCODING, EncryptionCodec, payloadKeysFrom } from '../../infra/payload-codec';
import { connectClient } from '../../infra/temporal';
import type { OrderInput } from '../../workflows/definitions';

/** Payload encryption against the real Temporal dev server, and the codec server over real HTTP. */
const env = { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, TEMPORAL_PAYLOAD_KEY: randomBytes(32).toString('base64'), TEMPORAL_PAYLOAD_KEY_ID: 'test-key' };
const codec = new EncryptionCodec(payloadKeysFrom(env)!);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('latin1');

describe('payload encryption on the dev server', () => {
  let encrypting: Client;
  let plain: Connection;

  beforeAll(async () => {
    encrypting = await connectClient(loadConfig(env).temporal);
    plain = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  });

  afterAll(async () => {
    await encrypting?.connection.close();
    await plain?.close();
  });

  it('the server only ever sees ciphertext of the order input; the codec decodes it', async () => {
    const suffix = randomBytes(3).toString('hex');
    const customerId = `Ada Lovelace, 12 Marylebone Road ${suffix}`;
    const input: OrderInput = {
      orderId: `ord_codec_${suffix}`,
      customerId,
      channel: 'web',
      currency: 'EUR',
      lines: [{ sku: `SKU-${suffix}`, quantity: 1, unitPriceCents: 100 }] as OrderInput['lines'],
      shippingCents: 0,
      totalCents: 100,
      backorderPolicy: 'reject',
      backorderDeadline: new Date(Date.now() + 86_400_000).toISOString(),
      captureMode: 'on_order',
    };
    // No worker polls this task queue: the workflow only needs to be started for its history to exist.
    const handle = await encrypting.workflow.start('orderWorkflow', {
      taskQueue: `codec-no-worker-${suffix}`,
      workflowId: `codec-test-${suffix}`,
      args: [input],
    });
    try {
      const { history } = await plain.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: handle.workflowId },
      });
      const started = history!.events!.find((event) => event.workflowExecutionStartedEventAttributes)!;
      const [payload] = started.workflowExecutionStartedEventAttributes!.input!.payloads!;
      expect(text(payload.metadata!.encoding)).toBe(ENCODING);
      expect(text(payload.data)).not.toContain('Ada Lovelace');
      expect(text(payload.data)).not.toContain('Marylebone');

      const [decoded] = await codec.decode([payload]);
      expect(defaultPayloadConverter.fromPayload<OrderInput>(decoded).customerId).toBe(customerId);
    } finally {
      await handle.terminate('payload codec test');
    }
  });
});

describe('codec server', () => {
  let server: FastifyInstance;
  let base: string;
  const token = randomBytes(16).toString('hex');

  beforeAll(async () => {
    server = buildCodecServer({ codec, corsOrigin: 'http://localhost:8233', token });
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await server?.close();
  });

  const toJson = (payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  });

  const post = (path: string, body: unknown, authorization?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });

  it('POST /decode returns the plaintext payload, with CORS for the Web UI', async () => {
    const customer = { name: 'Grace Hopper', line1: '1 Navy Yard' };
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(customer)]);
    const answer = await post('/decode', { payloads: [toJson(encrypted)] }, `Bearer ${token}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    const { payloads } = (await answer.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString())).toEqual(customer);
  });

  it('POST /encode encrypts, and decode of its output gives the input back', async () => {
    const original = toJson(defaultPayloadConverter.toPayload({ name: 'Alan Turing' }));
    const encoded = await post('/encode', { payloads: [original] }, `Bearer ${token}`);
    expect(encoded.status).toBe(200);
    const { payloads } = (await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCODING);
    const decoded = await post('/decode', { payloads }, `Bearer ${token}`);
    expect(((await decoded.json()) as { payloads: unknown[] }).payloads).toEqual([original]);
  });

  it('answers the CORS preflight without a token', async () => {
    const answer = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
    });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('a missing or wrong token is 401', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ name: 'x' })]);
    expect((await post('/decode', { payloads: [toJson(encrypted)] })).status).toBe(401);
    expect((await post('/decode', { payloads: [toJson(encrypted)] }, 'Bearer wrong')).status).toBe(401);
  });
});

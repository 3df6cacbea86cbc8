import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createDb, type Db } from '../../db/knex';
import type { Address } from '../../domain/types';
import { verifyWebhook } from '../../domain/webhook-signature';
import type { DropshipOrderRequest } from '../../suppliers/adapter';
import { createSupplierAdapter } from '../../suppliers/index';
import { SandboxSupplierAdapter, SupplierRefusedError } from '../../suppliers/sandbox-adapter';
import { buildSandboxSupplier, type SandboxSupplier, type SandboxSupplierOptions } from '../../suppliers/sandbox/server';
import { eventually } from '../helpers/eventually';

const WEBHOOK_SECRET = 'sandbox-supplier-test-secret';

const customer = (line1 = '12 Elm St'): Address => ({
  name: 'Ada Lovelace',
  line1,
  city: 'Boston',
  region: 'MA',
  postalCode: '02108',
  country: 'US',
});

interface Delivery {
  id: string;
  type: string;
  supplierOrderId: string;
  reference: string;
  trackingNumber: string;
  carrier: string;
  status: string;
  description: string;
  occurredAt: string;
  signatureValid: boolean;
  answeredWith: number;
}

/** Stands in for the engine's dropship webhook: checks signatures, records every attempt, fails on request. */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private readonly failuresToAnswer = new Map<string, number>();
  private readonly app: FastifyInstance = Fastify();
  url = '';

  async start(): Promise<void> {
    this.app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    this.app.post('/v1/webhooks/dropship/sandbox', async (request, reply) => {
      const rawBody = request.body as string;
      const event = JSON.parse(rawBody);
      const check = verifyWebhook({
        secret: WEBHOOK_SECRET,
        timestampHeader: request.headers['x-supplier-timestamp'] as string | undefined,
        signatureHeader: request.headers['x-supplier-signature'] as string | undefined,
        rawBody,
        nowSeconds: Math.floor(Date.now() / 1000),
        toleranceSeconds: 300,
      });
      const failures = this.failuresToAnswer.get(event.supplierOrderId) ?? 0;
      if (failures > 0) this.failuresToAnswer.set(event.supplierOrderId, failures - 1);
      const answeredWith = failures > 0 ? 500 : 200;
      this.deliveries.push({ ...event, signatureValid: check.valid, answeredWith });
      return reply.code(answeredWith).send({ received: answeredWith < 300 });
    });
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    this.url = `http://127.0.0.1:${(this.app.server.address() as AddressInfo).port}/v1/webhooks/dropship/sandbox`;
  }

  /** The order's next `count` webhook attempts get a 500. */
  failNext(supplierOrderId: string, count: number): void {
    this.failuresToAnswer.set(supplierOrderId, count);
  }

  accepted(supplierOrderId: string): Delivery[] {
    return this.deliveries.filter((d) => d.supplierOrderId === supplierOrderId && d.answeredWith < 300);
  }

  acceptedStatuses(supplierOrderId: string): string[] {
    return this.accepted(supplierOrderId).map((d) => d.status);
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

interface OrderResponse {
  supplierOrderId: string;
  status: string;
  trackingNumber?: string;
  carrier?: string;
  events: { id: string; type: string; status: string }[];
}

const JOURNEY = ['shipped', 'in_transit', 'out_for_delivery', 'delivered'];

describe('sandbox supplier', () => {
  let db: Db;
  const receiver = new WebhookReceiver();
  const running: SandboxSupplier[] = [];

  /** A supplier instance on a random port; each API key is its own client, so test files never share orders or stock. */
  async function startSupplier(overrides: Partial<SandboxSupplierOptions> & { apiKey: string }) {
    const supplier = await buildSandboxSupplier({
      db,
      webhookUrl: receiver.url,
      webhookSecret: WEBHOOK_SECRET,
      timetable: 'fast',
      stepMs: 100,
      dispatcher: { retryBaseMs: 100, retryMaxMs: 1000 },
      ...overrides,
    });
    running.push(supplier);
    await supplier.app.listen({ port: 0, host: '127.0.0.1' });
    supplier.startDispatcher();
    const baseUrl = `http://127.0.0.1:${(supplier.app.server.address() as AddressInfo).port}`;
    const adapter = new SandboxSupplierAdapter({ baseUrl, apiKey: overrides.apiKey });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${baseUrl}${path}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${overrides.apiKey}`,
          ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...init.headers,
        },
      });
    const order = async (id: string) => (await (await api(`/v1/dropship-orders/${id}`)).json()) as OrderResponse;
    const stockOf = async (account: string, sku: string) =>
      ((await (await api(`/v1/stock/${account}/${sku}`)).json()) as { quantity: number | null }).quantity;
    const setStock = async (account: string, sku: string, quantity: number | null) => {
      const response = await api(`/v1/stock/${account}/${sku}`, { method: 'PUT', body: JSON.stringify({ quantity }) });
      expect(response.status).toBe(200);
    };
    return { supplier, adapter, api, order, stockOf, setStock, baseUrl };
  }

  let fast: Awaited<ReturnType<typeof startSupplier>>;
  let manual: Awaited<ReturnType<typeof startSupplier>>;

  const orderRequest = (overrides: Partial<DropshipOrderRequest> = {}): DropshipOrderRequest => {
    const shipmentId = `shipment-${randomUUID()}`;
    return {
      idempotencyKey: shipmentId,
      reference: shipmentId,
      account: `sup-${randomUUID().slice(0, 8)}`,
      shipTo: customer(),
      lines: [{ supplierSku: 'DS-CHAIR', quantity: 2 }],
      ...overrides,
    };
  };

  beforeAll(async () => {
    db = createDb(process.env.DATABASE_URL!, 10);
    await receiver.start();
    fast = await startSupplier({ apiKey: `fast-${randomUUID()}` });
    manual = await startSupplier({ apiKey: `manual-${randomUUID()}`, timetable: 'manual', stepMs: undefined });
  });

  afterAll(async () => {
    for (const supplier of running) await supplier.app.close();
    await receiver.close();
    await db.destroy();
  });

  describe('API', () => {
    it('refuses requests without the right API key', async () => {
      const body = JSON.stringify(orderRequest());
      const missing = await fetch(`${fast.baseUrl}/v1/dropship-orders`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ code: 'unauthorized' });
      const wrong = await fetch(`${fast.baseUrl}/v1/stock/a/b`, { headers: { Authorization: 'Bearer not-the-key' } });
      expect(wrong.status).toBe(401);

      const adapter = new SandboxSupplierAdapter({ baseUrl: fast.baseUrl, apiKey: 'not-the-key' });
      await expect(adapter.placeDropshipOrder(orderRequest())).rejects.toMatchObject({
        name: 'SupplierRefusedError',
        code: 'unauthorized',
        httpStatus: 401,
      });
    });

    it('places one order per idempotency key', async () => {
      const request = orderRequest();
      const first = await manual.adapter.placeDropshipOrder(request);
      expect(first).toEqual({ supplierOrderId: expect.stringMatching(/^dso_[0-9a-f]{24}$/), status: 'accepted' });
      expect(await manual.adapter.placeDropshipOrder(request)).toEqual(first);
      const other = await manual.adapter.placeDropshipOrder({ ...request, idempotencyKey: randomUUID() });
      expect(other.supplierOrderId).not.toBe(first.supplierOrderId);

      const replay = await manual.api('/v1/dropship-orders', { method: 'POST', body: JSON.stringify(request) });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ supplierOrderId: first.supplierOrderId, reference: request.reference });
      const fresh = await manual.api('/v1/dropship-orders', { method: 'POST', body: JSON.stringify(orderRequest()) });
      expect(fresh.status).toBe(201);
      expect(await db('sandbox_supplier.orders').where({ reference: request.reference })).toHaveLength(2);
    });

    it('answers invalid requests with 422 invalid_request, and unknown orders with 404', async () => {
      const request = orderRequest();
      for (const payload of [
        { ...request, lines: [] },
        { ...request, lines: [{ supplierSku: 'DS-CHAIR', quantity: 0 }] },
        { ...request, lines: [{ supplierSku: ' ', quantity: 1 }] },
        { ...request, shipTo: { ...customer(), city: '' } },
        { ...request, idempotencyKey: undefined },
      ]) {
        const response = await fast.api('/v1/dropship-orders', { method: 'POST', body: JSON.stringify(payload) });
        expect(response.status).toBe(422);
        expect(await response.json()).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
      }
      expect(await db('sandbox_supplier.orders').where({ reference: request.reference })).toEqual([]);
      const badStock = await fast.api('/v1/stock/acct/SKU', { method: 'PUT', body: JSON.stringify({ quantity: -1 }) });
      expect(badStock.status).toBe(422);

      const unknown = await fast.api('/v1/dropship-orders/dso_unknown');
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'order_not_found' });
      await expect(fast.adapter.cancelDropshipOrder('dso_unknown')).rejects.toMatchObject({ code: 'order_not_found', httpStatus: 404 });
    });

    it('refuses a SKU it does not sell', async () => {
      const request = orderRequest({ lines: [{ supplierSku: 'DS-CHAIR', quantity: 1 }, { supplierSku: 'UNKNOWN-1', quantity: 1 }] });
      await expect(fast.adapter.placeDropshipOrder(request)).rejects.toMatchObject({
        name: 'SupplierRefusedError',
        code: 'unknown_supplier_sku',
        httpStatus: 422,
      });
      expect(await db('sandbox_supplier.orders').where({ reference: request.reference })).toEqual([]);
    });
  });

  describe('stock', () => {
    it('takes stock on acceptance, refuses a short order whole without taking anything, and gives stock back on cancel', async () => {
      const account = `sup-${randomUUID().slice(0, 8)}`;
      expect(await manual.stockOf(account, 'DS-LAMP')).toBeNull(); // unset: unlimited
      await manual.setStock(account, 'DS-LAMP', 5);
      await manual.setStock(account, 'DS-DESK', 1);

      // Two lines of one SKU count together.
      const placed = await manual.adapter.placeDropshipOrder(
        orderRequest({ account, lines: [{ supplierSku: 'DS-LAMP', quantity: 2 }, { supplierSku: 'DS-LAMP', quantity: 1 }, { supplierSku: 'DS-RUG', quantity: 50 }] }),
      );
      expect(await manual.stockOf(account, 'DS-LAMP')).toBe(2);
      expect(await manual.stockOf(account, 'DS-RUG')).toBeNull();

      const short = orderRequest({ account, lines: [{ supplierSku: 'DS-DESK', quantity: 1 }, { supplierSku: 'DS-LAMP', quantity: 3 }] });
      const refusal = manual.adapter.placeDropshipOrder(short);
      await expect(refusal).rejects.toBeInstanceOf(SupplierRefusedError);
      await expect(refusal).rejects.toMatchObject({ code: 'out_of_stock', httpStatus: 422 });
      const raw = await manual.api('/v1/dropship-orders', { method: 'POST', body: JSON.stringify(short) });
      expect(await raw.json()).toMatchObject({ code: 'out_of_stock', lines: [{ supplierSku: 'DS-LAMP', requested: 3, available: 2 }] });
      expect(await manual.stockOf(account, 'DS-DESK')).toBe(1);
      expect(await manual.stockOf(account, 'DS-LAMP')).toBe(2);
      expect(await db('sandbox_supplier.orders').where({ reference: short.reference })).toEqual([]);

      // Stock is per account: another account's is untouched.
      expect(await manual.stockOf(`${account}-other`, 'DS-LAMP')).toBeNull();

      expect(await manual.adapter.cancelDropshipOrder(placed.supplierOrderId)).toBe('cancelled');
      expect(await manual.stockOf(account, 'DS-LAMP')).toBe(5);
      expect(await manual.adapter.cancelDropshipOrder(placed.supplierOrderId)).toBe('cancelled');
      expect(await manual.stockOf(account, 'DS-LAMP')).toBe(5);
      expect((await manual.order(placed.supplierOrderId)).status).toBe('cancelled');

      await manual.setStock(account, 'DS-LAMP', null);
      expect(await manual.stockOf(account, 'DS-LAMP')).toBeNull();
      await expect(manual.adapter.placeDropshipOrder(orderRequest({ account, lines: [{ supplierSku: 'DS-LAMP', quantity: 99 }] }))).resolves.toMatchObject({
        status: 'accepted',
      });
    });

    it('refuses to cancel an order it has shipped, and keeps its stock taken', async () => {
      const account = `sup-${randomUUID().slice(0, 8)}`;
      await manual.setStock(account, 'DS-CHAIR', 4);
      const request = orderRequest({ account });
      const placed = await manual.adapter.placeDropshipOrder(request);
      expect((await manual.order(placed.supplierOrderId)).trackingNumber).toBeUndefined();

      const ship = await manual.api(`/v1/dropship-orders/${placed.supplierOrderId}/ship`, { method: 'POST' });
      expect(ship.status).toBe(200);
      const shipped = (await ship.json()) as OrderResponse;
      expect(shipped).toMatchObject({ status: 'shipped', trackingNumber: expect.stringMatching(/^SUP\d{12}$/), carrier: 'sandbox' });

      const cancel = await manual.api(`/v1/dropship-orders/${placed.supplierOrderId}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(409);
      expect(await cancel.json()).toMatchObject({ code: 'already_shipped' });
      expect(await manual.adapter.cancelDropshipOrder(placed.supplierOrderId)).toBe('shipped');
      expect(await manual.stockOf(account, 'DS-CHAIR')).toBe(2);
      // Placing again after shipping answers the shipped order with its tracking.
      expect(await manual.adapter.placeDropshipOrder(request)).toEqual({
        supplierOrderId: placed.supplierOrderId,
        status: 'shipped',
        trackingNumber: shipped.trackingNumber,
        carrier: 'sandbox',
      });
    });
  });

  describe('webhooks', () => {
    it('ships an order on the timetable and sends signed webhooks in order, each event once', async () => {
      const request = orderRequest();
      const { supplierOrderId } = await fast.adapter.placeDropshipOrder(request);
      await eventually(() => receiver.acceptedStatuses(supplierOrderId).includes('delivered'));

      const accepted = receiver.accepted(supplierOrderId);
      expect(accepted.map((d) => d.status)).toEqual(JOURNEY);
      expect(accepted.map((d) => d.type)).toEqual(['dropship.shipped', 'dropship.tracking', 'dropship.tracking', 'dropship.tracking']);
      expect(accepted.every((d) => d.signatureValid)).toBe(true);
      expect(new Set(accepted.map((d) => d.id)).size).toBe(JOURNEY.length);
      const order = await fast.order(supplierOrderId);
      for (const delivery of accepted) {
        expect(delivery).toMatchObject({ reference: request.reference, trackingNumber: order.trackingNumber, carrier: 'sandbox' });
      }
      const occurred = accepted.map((d) => Date.parse(d.occurredAt));
      expect([...occurred].sort((a, b) => a - b)).toEqual(occurred);
      expect(order.status).toBe('shipped');
      expect(order.events.map((e) => e.id)).toEqual(accepted.map((d) => d.id));

      // A signature made with another secret does not verify.
      expect(
        verifyWebhook({ secret: 'another-secret', timestampHeader: '1', signatureHeader: 'v1=00', rawBody: '{}', nowSeconds: 1, toleranceSeconds: 300 }),
      ).toEqual({ valid: false, reason: 'bad_signature' });
    });

    it('sends nothing for an order cancelled before it shipped', async () => {
      const slow = await startSupplier({ apiKey: `slow-${randomUUID()}`, stepMs: 1500 });
      const { supplierOrderId } = await slow.adapter.placeDropshipOrder(orderRequest());
      expect(await slow.adapter.cancelDropshipOrder(supplierOrderId)).toBe('cancelled');
      const control = await slow.adapter.placeDropshipOrder(orderRequest());
      await eventually(() => receiver.acceptedStatuses(control.supplierOrderId).includes('shipped'));
      expect(receiver.deliveries.filter((d) => d.supplierOrderId === supplierOrderId)).toEqual([]);
      expect(await db('sandbox_supplier.events').where({ order_id: supplierOrderId }).whereNotNull('next_attempt_at')).toEqual([]);
    });

    it('retries a failed webhook with the same event id and holds back the order’s next event meanwhile', async () => {
      const { supplierOrderId } = await manual.adapter.placeDropshipOrder(orderRequest());
      receiver.failNext(supplierOrderId, 2);
      const ship = await manual.api(`/v1/dropship-orders/${supplierOrderId}/ship`, { method: 'POST' });
      const shippedEvent = ((await ship.json()) as OrderResponse).events[0];
      const exception = await manual.api(`/v1/dropship-orders/${supplierOrderId}/events`, {
        method: 'POST',
        body: JSON.stringify({ status: 'exception' }),
      });
      expect(exception.status).toBe(201);
      await eventually(() => receiver.acceptedStatuses(supplierOrderId).includes('exception'));

      const attempts = receiver.deliveries.filter((d) => d.supplierOrderId === supplierOrderId);
      expect(attempts.map((d) => [d.status, d.answeredWith])).toEqual([
        ['shipped', 500],
        ['shipped', 500],
        ['shipped', 200],
        ['exception', 200],
      ]);
      expect(attempts.slice(0, 3).every((d) => d.id === shippedEvent.id && d.signatureValid)).toBe(true);
      expect(new Set(receiver.accepted(supplierOrderId).map((d) => d.id)).size).toBe(2);
    });

    it('takes injected events only for a shipped order', async () => {
      const { supplierOrderId } = await manual.adapter.placeDropshipOrder(orderRequest());
      const early = await manual.api(`/v1/dropship-orders/${supplierOrderId}/events`, { method: 'POST', body: JSON.stringify({ status: 'returned' }) });
      expect(early.status).toBe(409);
      expect(await early.json()).toMatchObject({ code: 'not_shipped' });
      const unknownStatus = await manual.api(`/v1/dropship-orders/${supplierOrderId}/events`, { method: 'POST', body: JSON.stringify({ status: 'shipped' }) });
      expect(unknownStatus.status).toBe(422);
      await manual.adapter.cancelDropshipOrder(supplierOrderId);
      const ship = await manual.api(`/v1/dropship-orders/${supplierOrderId}/ship`, { method: 'POST' });
      expect(ship.status).toBe(409);
      expect(await ship.json()).toMatchObject({ code: 'order_cancelled' });
    });
  });

  describe('adapter', () => {
    it('is created from the engine configuration', () => {
      const config = { supplier: { name: 'sandbox', sandboxUrl: fast.baseUrl, sandboxApiKey: 'k', webhookSecrets: {}, webhookToleranceSeconds: 300 } };
      expect(createSupplierAdapter(config)).toBeInstanceOf(SandboxSupplierAdapter);
      expect(() => createSupplierAdapter({ supplier: { ...config.supplier, name: 'acme' } })).toThrow('SUPPLIER "acme" is not supported');
    });

    it('throws plain errors for faults that may pass: 5xx, 429 and unreachable services', async () => {
      const flaky = Fastify();
      let answer = 503;
      flaky.all('/*', async (_request, reply) => reply.code(answer).send({ code: 'unavailable', message: 'try later' }));
      await flaky.listen({ port: 0, host: '127.0.0.1' });
      const baseUrl = `http://127.0.0.1:${(flaky.server.address() as AddressInfo).port}`;
      try {
        const adapter = new SandboxSupplierAdapter({ baseUrl, apiKey: 'k' });
        for (const status of [500, 503, 429]) {
          answer = status;
          const placing = adapter.placeDropshipOrder(orderRequest());
          await expect(placing).rejects.toThrow(`answered ${status}`);
          await expect(placing).rejects.not.toBeInstanceOf(SupplierRefusedError);
          await expect(adapter.cancelDropshipOrder('dso_x')).rejects.not.toBeInstanceOf(SupplierRefusedError);
        }
      } finally {
        await flaky.close();
      }
      const unreachable = new SandboxSupplierAdapter({ baseUrl, apiKey: 'k', timeoutMs: 2000 });
      await expect(unreachable.placeDropshipOrder(orderRequest())).rejects.not.toBeInstanceOf(SupplierRefusedError);
    });
  });
});

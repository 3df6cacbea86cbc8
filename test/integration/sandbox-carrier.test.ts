import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createDb, type Db } from '../../db/knex';
import { buildSandboxCarrier, type SandboxCarrier, type SandboxCarrierOptions } from '../../carriers/sandbox/server';
import { CarrierRejectedError, SandboxCarrierAdapter } from '../../carriers/sandbox-adapter';
import type { LabelRequest, ReturnLabelRequest } from '../../carriers/adapter';
import { findLabel } from '../../carriers/sandbox/labels';
import { SANDBOX_PARCEL_LIMITS } from '../../carriers/sandbox/limits';
import { migrateSandboxCarrier, SCHEMA, sandboxMigrationSource } from '../../carriers/sandbox/schema';
import { createFreshDatabase } from '../../dev/harness/database';
import type { Address } from '../../domain/types';
import { verifyWebhook } from '../../domain/webhook-signature';
import { eventually } from '../helpers/eventually';

const WEBHOOK_SECRET = 'sandbox-carrier-test-secret';

const warehouse: Address = {
  name: 'Acme Fulfillment',
  line1: '100 Dock St',
  city: 'Portland',
  region: 'OR',
  postalCode: '97201',
  country: 'US',
};
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
  trackingNumber: string;
  status: string;
  occurredAt: string;
  description: string;
  signatureValid: boolean;
  answeredWith: number;
}

/** Stands in for the engine's webhook endpoint: checks signatures, records every attempt, fails on request. */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private readonly failuresToAnswer = new Map<string, number>();
  private readonly app: FastifyInstance = Fastify();
  url = '';

  async start(): Promise<void> {
    this.app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    this.app.post('/webhooks/sandbox', async (request, reply) => {
      const rawBody = request.body as string;
      const event = JSON.parse(rawBody);
      const check = verifyWebhook({
        secret: WEBHOOK_SECRET,
        timestampHeader: request.headers['x-carrier-timestamp'] as string | undefined,
        signatureHeader: request.headers['x-carrier-signature'] as string | undefined,
        rawBody,
        nowSeconds: Math.floor(Date.now() / 1000),
        toleranceSeconds: 300,
      });
      const failures = this.failuresToAnswer.get(event.trackingNumber) ?? 0;
      if (failures > 0) this.failuresToAnswer.set(event.trackingNumber, failures - 1);
      // 202 for some events: any 2xx counts as delivered.
      const answeredWith = failures > 0 ? 500 : event.status === 'in_transit' ? 202 : 200;
      this.deliveries.push({ ...event, signatureValid: check.valid, answeredWith });
      return reply.code(answeredWith).send({ received: answeredWith < 300 });
    });
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    this.url = `http://127.0.0.1:${(this.app.server.address() as AddressInfo).port}/webhooks/sandbox`;
  }

  /** The parcel's next `count` webhook attempts get a 500. */
  failNext(trackingNumber: string, count: number): void {
    this.failuresToAnswer.set(trackingNumber, count);
  }

  accepted(trackingNumber: string): Delivery[] {
    return this.deliveries.filter((d) => d.trackingNumber === trackingNumber && d.answeredWith < 300);
  }

  acceptedStatuses(trackingNumber: string): string[] {
    return this.accepted(trackingNumber).map((d) => d.status);
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

interface TrackingResponse {
  trackingNumber: string;
  status: string;
  events: { id: string; status: string }[];
}

const FULL_JOURNEY = ['label_created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered'];
const RETURN_JOURNEY = ['label_created', 'picked_up', 'in_transit', 'delivered'];

describe('sandbox carrier', () => {
  let db: Db;
  const receiver = new WebhookReceiver();
  const running: SandboxCarrier[] = [];

  /** A carrier instance on a random port; each API key is its own account, so test files never share parcels. */
  async function startCarrier(overrides: Partial<SandboxCarrierOptions> & { apiKey: string }) {
    const carrier = await buildSandboxCarrier({
      db,
      webhookUrl: receiver.url,
      webhookSecret: WEBHOOK_SECRET,
      timetable: 'fast',
      stepMs: 100,
      dispatcher: { retryBaseMs: 100, retryMaxMs: 1000 },
      ...overrides,
    });
    running.push(carrier);
    await carrier.app.listen({ port: 0, host: '127.0.0.1' });
    carrier.startDispatcher();
    const baseUrl = `http://127.0.0.1:${(carrier.app.server.address() as AddressInfo).port}`;
    const adapter = new SandboxCarrierAdapter({ baseUrl, apiKey: overrides.apiKey });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${baseUrl}${path}`, {
        ...init,
        headers: {
          Authorization: `Bearer ${overrides.apiKey}`,
          ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...init.headers,
        },
      });
    const tracking = async (trackingNumber: string) => (await (await api(`/v1/tracking/${trackingNumber}`)).json()) as TrackingResponse;
    return { carrier, adapter, api, tracking, baseUrl, apiKey: overrides.apiKey };
  }

  let fast: Awaited<ReturnType<typeof startCarrier>>;
  let manual: Awaited<ReturnType<typeof startCarrier>>;

  const labelRequest = (overrides: Partial<LabelRequest> = {}): LabelRequest => ({
    idempotencyKey: randomUUID(),
    reference: `shipment-${randomUUID().slice(0, 8)}`,
    from: warehouse,
    to: customer(),
    parcels: [{ weightGrams: 1200, lengthMm: 300, widthMm: 200, heightMm: 100 }],
    ...overrides,
  });

  /** The customer sends the parcel back to the warehouse. */
  const returnLabelRequest = (overrides: Partial<ReturnLabelRequest> = {}): ReturnLabelRequest => ({
    idempotencyKey: randomUUID(),
    reference: `return-${randomUUID().slice(0, 8)}`,
    from: customer(),
    to: warehouse,
    parcels: [{ weightGrams: 900 }],
    ...overrides,
  });

  beforeAll(async () => {
    db = createDb(process.env.DATABASE_URL!, 10);
    await receiver.start();
    fast = await startCarrier({ apiKey: `fast-${randomUUID()}` });
    manual = await startCarrier({ apiKey: `manual-${randomUUID()}`, timetable: 'manual', stepMs: undefined });
  });

  afterAll(async () => {
    for (const carrier of running) await carrier.app.close();
    await receiver.close();
    await db.destroy();
  });

  describe('API', () => {
    it('quotes the three services, priced by weight and distance', async () => {
      const request = { from: warehouse, to: customer(), parcels: [{ weightGrams: 1200 }] };
      const rates = await fast.adapter.rates(request);
      expect(rates.map((r) => [r.service, r.estimatedDays, r.currency])).toEqual([
        ['ground', 5, 'USD'],
        ['express', 2, 'USD'],
        ['overnight', 1, 'USD'],
      ]);
      expect(rates[0].costCents).toBeLessThan(rates[1].costCents);
      expect(rates[1].costCents).toBeLessThan(rates[2].costCents);
      expect(await fast.adapter.rates(request)).toEqual(rates);

      const heavier = await fast.adapter.rates({ ...request, parcels: [{ weightGrams: 9000 }] });
      const nearby = await fast.adapter.rates({ ...request, to: { ...customer(), city: 'Portland', postalCode: '97209' } });
      const toronto = { ...customer(), city: 'Toronto', region: 'ON', postalCode: 'M5H 2N2', country: 'CA' };
      const abroad = await fast.adapter.rates({ ...request, to: toronto });
      expect(heavier[0].costCents).toBeGreaterThan(rates[0].costCents);
      expect(nearby[0].costCents).toBeLessThan(rates[0].costCents);
      expect(abroad[0].costCents).toBeGreaterThan(rates[0].costCents);
    });

    it('refuses requests without the API key', async () => {
      const body = JSON.stringify({ from: warehouse, to: customer(), parcels: [{ weightGrams: 500 }] });
      const missing = await fetch(`${fast.baseUrl}/v1/rates`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ code: 'unauthorized' });

      const wrong = await fetch(`${fast.baseUrl}/v1/labels/anything/void`, { method: 'POST', headers: { Authorization: 'Bearer not-the-key' } });
      expect(wrong.status).toBe(401);

      const adapter = new SandboxCarrierAdapter({ baseUrl: fast.baseUrl, apiKey: 'not-the-key' });
      await expect(adapter.rates({ from: warehouse, to: customer(), parcels: [{ weightGrams: 500 }] })).rejects.toMatchObject({
        name: 'CarrierRejectedError',
        code: 'unauthorized',
      });
    });

    it('buys one label per idempotency key', async () => {
      const request = labelRequest({ service: 'express' });
      const first = await fast.adapter.purchaseLabel(request);
      const again = await fast.adapter.purchaseLabel(request);
      const other = await fast.adapter.purchaseLabel({ ...request, idempotencyKey: randomUUID() });

      expect(first.trackingNumber).toMatch(/^SBX\d{12}$/);
      expect(first).toMatchObject({ service: 'express', currency: 'USD' });
      expect(first.costCents).toBeGreaterThan(0);
      expect(again).toEqual(first);
      expect(other.trackingNumber).not.toBe(first.trackingNumber);
      expect(other.labelId).not.toBe(first.labelId);

      const replay = await fast.api('/v1/labels', {
        method: 'POST',
        headers: { 'Idempotency-Key': request.idempotencyKey },
        body: JSON.stringify({ ...request, idempotencyKey: undefined }),
      });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ labelId: first.labelId, trackingNumber: first.trackingNumber });
    });

    it('answers invalid label requests with 4xx codes the engine can act on', async () => {
      const { idempotencyKey, ...body } = labelRequest();
      const post = (payload: unknown, headers: Record<string, string> = { 'Idempotency-Key': idempotencyKey }) =>
        fast.api('/v1/labels', { method: 'POST', headers, body: JSON.stringify(payload) });

      const { line1: _line1, ...noStreet } = customer();
      for (const payload of [
        { ...body, to: noStreet },
        { ...body, to: { ...customer(), city: '  ' } },
        { ...body, parcels: [{ weightGrams: 0 }] },
        { ...body, parcels: [{ weightGrams: 1000 }, { weightGrams: -5 }] },
        { ...body, parcels: [] },
        { ...body, parcels: Array.from({ length: 201 }, () => ({ weightGrams: 100 })) },
      ]) {
        const response = await post(payload);
        expect(response.status).toBe(422);
        expect(await response.json()).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
      }

      const unknownService = await post({ ...body, service: 'teleport' });
      expect(unknownService.status).toBe(422);
      expect(await unknownService.json()).toMatchObject({ code: 'unknown_service' });

      const noKey = await post(body, {});
      expect(noKey.status).toBe(400);
      expect(await noKey.json()).toMatchObject({ code: 'idempotency_key_required' });

      const label = await fast.adapter.purchaseLabel(labelRequest());
      const unknownStatus = await fast.api(`/v1/sandbox/tracking/${label.trackingNumber}/events`, {
        method: 'POST',
        body: JSON.stringify({ status: 'teleported' }),
      });
      expect(unknownStatus.status).toBe(422);
      expect(await unknownStatus.json()).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('allowed values') });

      await expect(fast.adapter.purchaseLabel(labelRequest({ service: 'teleport' }))).rejects.toBeInstanceOf(CarrierRejectedError);
      await expect(fast.adapter.purchaseLabel(labelRequest({ parcels: [{ weightGrams: 0 }] }))).rejects.toMatchObject({
        code: 'invalid_request',
        httpStatus: 422,
      });
    });

    it('serves the label as a PDF with the parcel details', async () => {
      const request = labelRequest({ reference: 'shipment-A100-1' });
      const label = await fast.adapter.purchaseLabel(request);
      expect(label.labelUrl).toBe(`${fast.baseUrl}/v1/labels/${label.labelId}/document`);

      // The label link itself is the permission: a warehouse printer needs no carrier key.
      const response = await fetch(label.labelUrl);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const pdf = Buffer.from(await response.arrayBuffer()).toString('latin1');
      expect(pdf.startsWith('%PDF-')).toBe(true);
      expect(pdf.trimEnd().endsWith('%%EOF')).toBe(true);
      for (const text of [label.trackingNumber, 'shipment-A100-1', 'GROUND', 'Ada Lovelace', '12 Elm St', 'Acme Fulfillment']) {
        expect(pdf).toContain(text);
      }

      // Readers find objects through the cross-reference table, so its offsets must be exact.
      const xrefOffset = Number(/startxref\n(\d+)\n%%EOF/.exec(pdf)![1]);
      expect(pdf.slice(xrefOffset, xrefOffset + 4)).toBe('xref');
      const offsets = [...pdf.slice(xrefOffset).matchAll(/^(\d{10}) 00000 n\r\n/gm)].map((m) => Number(m[1]));
      expect(offsets.length).toBeGreaterThanOrEqual(5);
      offsets.forEach((offset, index) => expect(pdf.slice(offset, offset + 12)).toContain(`${index + 1} 0 obj`));

      const unknown = await fetch(`${fast.baseUrl}/v1/labels/lbl_000000000000000000000000/document`);
      expect(unknown.status).toBe(404);
    });

    it('buys one multi-piece label for several parcels, a tracking number and a label page per piece', async () => {
      const parcels = [
        { weightGrams: 25_000, lengthMm: 600, widthMm: 400, heightMm: 400 },
        { weightGrams: 18_000, lengthMm: 500, widthMm: 400, heightMm: 300 },
        { weightGrams: 2_500 },
      ];
      const request = labelRequest({ parcels, reference: 'shipment-MP-1' });
      const label = await fast.adapter.purchaseLabel(request);

      expect(label.pieces).toHaveLength(3);
      // Piece 1 carries the master tracking number; every piece has a number of its own.
      expect(label.pieces[0].trackingNumber).toBe(label.trackingNumber);
      expect(new Set(label.pieces.map((p) => p.trackingNumber)).size).toBe(3);
      for (const piece of label.pieces) expect(piece.trackingNumber).toMatch(/^SBX\d{12}$/);
      expect(label.pieces.map((p) => p.labelUrl)).toEqual([1, 2, 3].map((n) => `${label.labelUrl}?piece=${n}`));
      expect(await fast.adapter.purchaseLabel(request)).toEqual(label);

      // A multi-piece shipment costs what its pieces cost one by one.
      const oneByOne = await Promise.all(parcels.map((parcel) => fast.adapter.rates({ from: warehouse, to: customer(), parcels: [parcel] })));
      const together = await fast.adapter.rates({ from: warehouse, to: customer(), parcels });
      expect(together[0].costCents).toBe(oneByOne.reduce((sum, rates) => sum + rates[0].costCents, 0));
      expect(label.costCents).toBe(together[0].costCents);

      const whole = Buffer.from(await (await fetch(label.labelUrl)).arrayBuffer()).toString('latin1');
      expect(whole).toContain('/Count 3');
      expect(whole.match(/\/Type \/Page /g)).toHaveLength(3);
      for (const [index, piece] of label.pieces.entries()) {
        expect(whole).toContain(`(${piece.trackingNumber})`);
        expect(whole).toContain(`(PIECE ${index + 1} OF 3)`);
      }
      expect(whole).toContain(`(Master: ${label.trackingNumber})`);
      expect(whole).toContain('(Weight: 18.00 kg)');

      const second = await fetch(label.pieces[1].labelUrl!);
      expect(second.status).toBe(200);
      const page = Buffer.from(await second.arrayBuffer()).toString('latin1');
      expect(page).toContain('/Count 1');
      expect(page).toContain(`(${label.pieces[1].trackingNumber})`);
      expect(page).toContain('(PIECE 2 OF 3)');
      expect(page).not.toContain(`(${label.pieces[2].trackingNumber})`);
      expect((await fetch(`${label.labelUrl}?piece=4`)).status).toBe(404);

      // Tracking events come on the master tracking number only; a piece's number shows the same history.
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('delivered'));
      expect(receiver.acceptedStatuses(label.trackingNumber)).toEqual(FULL_JOURNEY);
      for (const piece of label.pieces.slice(1)) expect(receiver.deliveries.filter((d) => d.trackingNumber === piece.trackingNumber)).toEqual([]);
      const byPiece = await fast.tracking(label.pieces[2].trackingNumber);
      expect(byPiece.status).toBe('delivered');
      expect(byPiece.events.map((e) => e.id)).toEqual((await fast.tracking(label.trackingNumber)).events.map((e) => e.id));
    });

    it('refuses a label or a rate for a parcel over its limits, with a code per limit', async () => {
      expect(fast.adapter.parcelLimits).toEqual(SANDBOX_PARCEL_LIMITS);
      const { maxWeightGrams, maxLengthMm, maxLengthPlusGirthMm } = SANDBOX_PARCEL_LIMITS;
      const atLimits = { weightGrams: maxWeightGrams, lengthMm: maxLengthMm, widthMm: (maxLengthPlusGirthMm - maxLengthMm) / 4, heightMm: (maxLengthPlusGirthMm - maxLengthMm) / 4 };
      await expect(fast.adapter.purchaseLabel(labelRequest({ parcels: [atLimits] }))).resolves.toMatchObject({ pieces: [expect.anything()] });

      const refusals: [LabelRequest['parcels'], string, string][] = [
        [[{ weightGrams: 1_000 }, { weightGrams: maxWeightGrams + 1 }], 'parcel_too_heavy', 'Parcel 2: weight 30001 g exceeds'],
        [[{ weightGrams: 1_000, lengthMm: 200, widthMm: maxLengthMm + 1, heightMm: 10 }], 'parcel_too_large', 'longest side 1201 mm'],
        [[{ ...atLimits, heightMm: atLimits.heightMm + 1 }], 'parcel_too_large', 'length plus girth 3002 mm'],
      ];
      for (const [parcels, code, message] of refusals) {
        const request = labelRequest({ parcels });
        await expect(fast.adapter.purchaseLabel(request)).rejects.toMatchObject({
          name: 'CarrierRejectedError',
          code,
          httpStatus: 422,
          message: expect.stringContaining(message),
        });
        await expect(fast.adapter.rates({ from: warehouse, to: customer(), parcels })).rejects.toMatchObject({ code, httpStatus: 422 });
        expect(await db('sandbox_carrier.labels').where({ reference: request.reference })).toEqual([]);
      }
    });

    it('refuses a label to an UNDELIVERABLE recipient', async () => {
      const request = labelRequest({ to: customer('1 UNDELIVERABLE Rd') });
      await expect(fast.adapter.purchaseLabel(request)).rejects.toMatchObject({
        name: 'CarrierRejectedError',
        code: 'address_undeliverable',
        httpStatus: 422,
      });
      expect(await db('sandbox_carrier.labels').where({ reference: request.reference })).toEqual([]);
      // Case-sensitive, like the other scenarios.
      await expect(fast.adapter.purchaseLabel(labelRequest({ to: customer('1 Undeliverable Rd') }))).resolves.toMatchObject({
        trackingNumber: expect.any(String),
      });
    });

    it('voids a label until the parcel is picked up', async () => {
      const label = await manual.adapter.purchaseLabel(labelRequest());
      await manual.adapter.voidLabel(label.labelId);
      await manual.adapter.voidLabel(label.labelId);
      const tracking = await manual.tracking(label.trackingNumber);
      expect(tracking.status).toBe('voided');
      const lateEvent = await manual.api(`/v1/sandbox/tracking/${label.trackingNumber}/events`, {
        method: 'POST',
        body: JSON.stringify({ status: 'picked_up' }),
      });
      expect(lateEvent.status).toBe(409);
      expect(await lateEvent.json()).toMatchObject({ code: 'label_voided' });

      const pickedUp = await manual.adapter.purchaseLabel(labelRequest());
      const pickup = await manual.api(`/v1/sandbox/tracking/${pickedUp.trackingNumber}/events`, {
        method: 'POST',
        body: JSON.stringify({ status: 'picked_up' }),
      });
      expect(pickup.status).toBe(201);
      const refusal = await manual.api(`/v1/labels/${pickedUp.labelId}/void`, { method: 'POST' });
      expect(refusal.status).toBe(409);
      expect(await refusal.json()).toMatchObject({ code: 'label_in_use' });
      expect(await manual.adapter.voidLabel(pickedUp.labelId)).toBe('in_use');

      await expect(manual.adapter.voidLabel('lbl_unknown')).rejects.toMatchObject({ code: 'label_not_found' });
    });

    it('buys one return label per idempotency key, marked as a return, voidable until it is dropped off', async () => {
      const request = returnLabelRequest({ reference: `return-${randomUUID()}` });
      const label = await manual.adapter.purchaseReturnLabel(request);
      expect(await manual.adapter.purchaseReturnLabel(request)).toEqual(label);
      const other = await manual.adapter.purchaseReturnLabel({ ...request, idempotencyKey: randomUUID() });
      expect(other.trackingNumber).not.toBe(label.trackingNumber);
      const stored = await db('sandbox_carrier.labels').where({ reference: request.reference }).select('id', 'is_return');
      expect(stored).toHaveLength(2);
      expect(stored).toEqual(
        expect.arrayContaining([
          { id: label.labelId, is_return: true },
          { id: other.labelId, is_return: true },
        ]),
      );
      const pdf = Buffer.from(await (await fetch(label.labelUrl)).arrayBuffer()).toString('latin1');
      expect(pdf).toContain(`(Return: ${request.reference})`);

      expect(await manual.adapter.voidLabel(label.labelId)).toBe('voided');
      expect((await manual.tracking(label.trackingNumber)).status).toBe('voided');

      const dropOff = await manual.api(`/v1/sandbox/tracking/${other.trackingNumber}/events`, {
        method: 'POST',
        body: JSON.stringify({ status: 'picked_up' }),
      });
      expect(await dropOff.json()).toMatchObject({ status: 'picked_up', description: 'Dropped off by the sender' });
      expect(await manual.adapter.voidLabel(other.labelId)).toBe('in_use');
    });
  });

  describe('storage', () => {
    it('gives each label bought before multi-piece labels its parcel as piece 1, and can go back', async () => {
      const fresh = await createFreshDatabase(process.env.DATABASE_URL!, 'sbx_pieces', 2);
      const migrations = { migrationSource: sandboxMigrationSource, schemaName: SCHEMA, tableName: 'knex_migrations' };
      try {
        await fresh.db.raw('CREATE SCHEMA ??', [SCHEMA]);
        await fresh.db.migrate.up(migrations); // 001 only: one parcel per label
        const parcel = { weightGrams: 1200, lengthMm: 300 };
        await fresh.db(`${SCHEMA}.labels`).insert({
          id: 'lbl_before',
          account_id: 'acct',
          idempotency_key: 'key-before',
          tracking_number: 'SBX100000000001',
          service: 'ground',
          cost_cents: 595,
          currency: 'USD',
          reference: 'shipment-before',
          from_address: JSON.stringify(warehouse),
          to_address: JSON.stringify(customer()),
          parcel: JSON.stringify(parcel),
          created_at: new Date(),
        });

        await migrateSandboxCarrier(fresh.db);
        expect(await findLabel(fresh.db, 'lbl_before')).toMatchObject({
          trackingNumber: 'SBX100000000001',
          isReturn: false,
          pieces: [{ pieceNo: 1, trackingNumber: 'SBX100000000001', parcel }],
        });
        expect(await fresh.db.schema.withSchema(SCHEMA).hasColumn('labels', 'parcel')).toBe(false);

        await fresh.db.migrate.down(migrations); // 003: return labels
        expect(await fresh.db.schema.withSchema(SCHEMA).hasColumn('labels', 'is_return')).toBe(false);
        await fresh.db.migrate.down(migrations); // 002: pieces
        expect(await fresh.db(`${SCHEMA}.labels`).where({ id: 'lbl_before' }).first()).toMatchObject({ parcel });
        expect(await fresh.db.schema.withSchema(SCHEMA).hasTable('pieces')).toBe(false);
      } finally {
        await fresh.drop();
      }
    });
  });

  describe('tracking webhooks', () => {
    it('moves a parcel through the fast timetable with signed webhooks in order', async () => {
      const label = await fast.adapter.purchaseLabel(labelRequest());
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('delivered'));

      const accepted = receiver.accepted(label.trackingNumber);
      expect(accepted.map((d) => d.status)).toEqual(FULL_JOURNEY);
      expect(accepted.every((d) => d.signatureValid)).toBe(true);
      expect(accepted.every((d) => d.id.startsWith('evt_'))).toBe(true);
      expect(new Set(accepted.map((d) => d.id)).size).toBe(FULL_JOURNEY.length);
      const occurred = accepted.map((d) => Date.parse(d.occurredAt));
      expect([...occurred].sort((a, b) => a - b)).toEqual(occurred);

      // The tracking API tells the same story with the same event ids.
      const tracking = await fast.tracking(label.trackingNumber);
      expect(tracking).toMatchObject({ trackingNumber: label.trackingNumber, status: 'delivered' });
      expect(tracking.events.map((e) => e.id)).toEqual(accepted.map((d) => d.id));
    });

    it('retries a failed webhook with the same event id and holds back the parcel’s next event meanwhile', async () => {
      const label = await manual.adapter.purchaseLabel(labelRequest());
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('label_created'));
      expect(receiver.acceptedStatuses(label.trackingNumber)).toEqual(['label_created']);

      receiver.failNext(label.trackingNumber, 2);
      const emit = (status: string) =>
        manual.api(`/v1/sandbox/tracking/${label.trackingNumber}/events`, { method: 'POST', body: JSON.stringify({ status }) });
      const pickedUp = (await (await emit('picked_up')).json()) as { id: string };
      await emit('in_transit');
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('in_transit'));

      const attempts = receiver.deliveries.filter((d) => d.trackingNumber === label.trackingNumber && d.status !== 'label_created');
      expect(attempts.map((d) => [d.status, d.answeredWith])).toEqual([
        ['picked_up', 500],
        ['picked_up', 500],
        ['picked_up', 200],
        ['in_transit', 202],
      ]);
      expect(attempts.slice(0, 3).every((d) => d.id === pickedUp.id && d.signatureValid)).toBe(true);
    });

    it('sends nothing after in_transit for a LOST parcel', async () => {
      const lost = await fast.adapter.purchaseLabel(labelRequest({ to: customer('1 LOST Lane') }));
      const control = await fast.adapter.purchaseLabel(labelRequest());
      await eventually(() => receiver.acceptedStatuses(control.trackingNumber).includes('delivered'));
      await eventually(() => receiver.acceptedStatuses(lost.trackingNumber).includes('in_transit'));

      expect(receiver.acceptedStatuses(lost.trackingNumber)).toEqual(['label_created', 'picked_up', 'in_transit']);
      const pending = await db('sandbox_carrier.events').where({ tracking_number: lost.trackingNumber }).whereNull('delivered_at');
      expect(pending).toEqual([]);
      const tracking = await fast.tracking(lost.trackingNumber);
      expect(tracking.status).toBe('in_transit');
    });

    it('reports an exception for an EXCEPTION parcel and then delivers it', async () => {
      const label = await fast.adapter.purchaseLabel(labelRequest({ to: customer('EXCEPTION 5 Main St') }));
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('delivered'));
      expect(receiver.acceptedStatuses(label.trackingNumber)).toEqual([
        'label_created',
        'picked_up',
        'in_transit',
        'exception',
        'out_for_delivery',
        'delivered',
      ]);
    });

    it('moves a return parcel from the customer to the warehouse with signed webhooks in order', async () => {
      const label = await fast.adapter.purchaseReturnLabel(returnLabelRequest());
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('delivered'));

      const accepted = receiver.accepted(label.trackingNumber);
      expect(accepted.map((d) => [d.status, d.description])).toEqual([
        ['label_created', 'Return label created, awaiting drop-off'],
        ['picked_up', 'Dropped off by the sender'],
        ['in_transit', 'In transit to Portland'],
        ['delivered', 'Delivered to Acme Fulfillment'],
      ]);
      expect(accepted.every((d) => d.signatureValid)).toBe(true);
      expect(new Set(accepted.map((d) => d.id)).size).toBe(RETURN_JOURNEY.length);
      expect((await fast.tracking(label.trackingNumber)).events.map((e) => e.id)).toEqual(accepted.map((d) => d.id));
      // A delivered return parcel was used: its label stays.
      expect(await fast.adapter.voidLabel(label.labelId)).toBe('in_use');
    });

    it('keeps an UNSENT return parcel at label_created, voidable, and ends a LOST one in transit', async () => {
      const unsent = await fast.adapter.purchaseReturnLabel(returnLabelRequest({ from: customer('1 UNSENT Way') }));
      const lost = await fast.adapter.purchaseReturnLabel(returnLabelRequest({ from: customer('1 LOST Lane') }));
      const control = await fast.adapter.purchaseReturnLabel(returnLabelRequest());
      await eventually(() => receiver.acceptedStatuses(control.trackingNumber).includes('delivered'));
      await eventually(() => receiver.acceptedStatuses(lost.trackingNumber).includes('in_transit'));
      await eventually(() => receiver.acceptedStatuses(unsent.trackingNumber).length > 0);

      expect(receiver.acceptedStatuses(unsent.trackingNumber)).toEqual(['label_created']);
      expect(receiver.acceptedStatuses(lost.trackingNumber)).toEqual(['label_created', 'picked_up', 'in_transit']);
      expect(await fast.adapter.voidLabel(unsent.labelId)).toBe('voided');
      expect(await db('sandbox_carrier.events').whereIn('tracking_number', [unsent.trackingNumber, lost.trackingNumber]).whereNull('delivered_at')).toEqual([]);
    });

    it('resumes delivery after a restart from the events kept in Postgres', async () => {
      const apiKey = `durable-${randomUUID()}`;
      const first = await startCarrier({ apiKey, stepMs: 1000 });
      const label = await first.adapter.purchaseLabel(labelRequest());
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('picked_up'));
      await first.carrier.app.close();

      const undelivered = await db('sandbox_carrier.events')
        .where({ tracking_number: label.trackingNumber })
        .whereNull('delivered_at')
        .orderBy(['occurred_at', 'seq']);
      expect(undelivered.map((e) => e.status)).toEqual(['in_transit', 'out_for_delivery', 'delivered']);

      await startCarrier({ apiKey, stepMs: 1000 });
      await eventually(() => receiver.acceptedStatuses(label.trackingNumber).includes('delivered'));
      const accepted = receiver.accepted(label.trackingNumber);
      expect(accepted.map((d) => d.status)).toEqual(FULL_JOURNEY);
      expect(new Set(accepted.map((d) => d.id)).size).toBe(FULL_JOURNEY.length);
    });
  });
});

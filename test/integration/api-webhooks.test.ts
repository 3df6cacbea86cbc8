import { createHash } from 'node:crypto';
import { signWebhook } from '../../domain/webhook-signature';
import type { WorkflowHandle } from '@temporalio/client';
import type { ReturnStatus } from '../../domain/types';
import { returnWorkflowId, shipmentWorkflowId } from '../../workflows/definitions';
import { type ApiTest, insertOrder, insertShipment, seedLocation, seedProduct, startApiTest, finishApiTest } from '../helpers/api';

let t: ApiTest;
let sku: string;
let warehouse: string;

beforeAll(async () => {
  t = await startApiTest();
  warehouse = `${t.prefix}-WH`;
  await seedLocation(t.db, warehouse);
  sku = (await seedProduct(t.db, `${t.prefix}-BOX`)).sku;
});

afterAll(() => finishApiTest(t));

let counter = 0;
const unique = (name: string) => `${t.prefix}-${name}-${++counter}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function carrierEvent(trackingNumber: string, overrides: object = {}) {
  return {
    id: unique('evt'),
    type: 'tracking.updated',
    trackingNumber,
    status: 'in_transit',
    occurredAt: '2024-06-01T12:00:00Z',
    description: 'Departed facility',
    ...overrides,
  };
}

/** Sends a body exactly as given, signed unless told otherwise. */
function deliver(
  body: unknown,
  options: { carrier?: string; timestamp?: number; signature?: string; unsigned?: boolean } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = options.timestamp ?? nowSeconds();
  const secret = t.config.carrier.webhookSecrets.sandbox;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!options.unsigned) {
    headers['x-carrier-timestamp'] = String(timestamp);
    headers['x-carrier-signature'] = options.signature ?? signWebhook(secret, timestamp, raw);
  }
  return t.request({ method: 'POST', url: `/v1/webhooks/carriers/${options.carrier ?? 'sandbox'}`, headers, payload: raw });
}

const storedEvents = (eventId: string) => t.db('webhook_events').where({ carrier: 'sandbox', event_id: eventId }).orderBy('id');

/** A shipment with a tracking number whose workflow is running (no worker: it only collects signals). */
async function shipmentWithWorkflow() {
  const orderId = `ord_${unique('o').replace(/-/g, '')}`;
  await insertOrder(t, { id: orderId, customerId: `${t.prefix}-cust`, createdAt: new Date(), sku });
  const trackingNumber = unique('TRK');
  const shipmentId = await insertShipment(t.db, {
    orderId,
    shipmentNo: 1,
    locationId: warehouse,
    status: 'LABELLED',
    trackingNumber,
    lines: [{ lineNo: 1, sku, quantity: 1 }],
  });
  await t.db('shipments').where({ id: shipmentId }).update({ carrier: 'sandbox' });
  const handle = await t.temporal.workflow.start('shipmentWorkflow', {
    taskQueue: t.config.temporal.taskQueue,
    workflowId: shipmentWorkflowId(orderId, 1),
    args: [],
  });
  return { shipmentId, trackingNumber, handle };
}

/** A return whose label is on its way back, its workflow running likewise without a worker. */
async function returnWithWorkflow(status: ReturnStatus = 'AWAITING_PARCEL') {
  const orderId = `ord_${unique('o').replace(/-/g, '')}`;
  const customerId = `${t.prefix}-cust`;
  await insertOrder(t, { id: orderId, customerId, createdAt: new Date(), sku });
  const returnId = `ret_${unique('r').replace(/-/g, '')}`;
  const trackingNumber = unique('RTRK');
  await t.db('returns').insert({
    id: returnId,
    order_id: orderId,
    customer_id: customerId,
    channel: 'web',
    location_id: warehouse,
    status,
    currency: 'USD',
    requested_cents: 1000,
    policy: JSON.stringify(t.config.returns.policy),
    carrier: 'sandbox',
    tracking_number: trackingNumber,
    workflow_started_at: new Date(),
  });
  const handle = await t.temporal.workflow.start('returnWorkflow', {
    taskQueue: t.config.temporal.taskQueue,
    workflowId: returnWorkflowId(returnId),
    args: [],
  });
  return { returnId, trackingNumber, handle };
}

/** The carrierEvent signals the workflow received, from its history. */
async function carrierSignals(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes)
    .filter((signal) => signal?.signalName === 'carrierEvent')
    .map((signal) => JSON.parse(Buffer.from(signal!.input!.payloads![0].data!).toString('utf8')));
}

describe('signature checks', () => {
  it.each([
    ['no signature headers', { unsigned: true }, 'missing_signature'],
    ['a wrong signature', { signature: `v1=${'0'.repeat(64)}` }, 'invalid_signature'],
    ['a timestamp outside the window', { timestamp: nowSeconds() - 3600 }, 'stale_timestamp'],
  ])('refuses %s with 401 and stores the attempt as metadata only', async (_name, options, code) => {
    const event = carrierEvent(unique('TRK'));
    const [{ last }] = await t.db('webhook_failures').max({ last: 'id' });
    const res = await deliver(event, options);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(code);
    expect(await storedEvents(event.id)).toEqual([]);
    const failures = await t.db('webhook_failures').where('id', '>', last ?? 0).where({ carrier: 'sandbox' });
    const raw = JSON.stringify(event);
    expect(failures).toEqual([
      expect.objectContaining({
        reason: code === 'invalid_signature' ? 'bad_signature' : code,
        body_sha256: createHash('sha256').update(raw).digest('hex'),
        body_bytes: Buffer.byteLength(raw),
      }),
    ]);
    expect(Object.keys(failures[0]).sort()).toEqual(
      ['body_bytes', 'body_sha256', 'carrier', 'id', 'reason', 'received_at', 'source_address'].sort(),
    );
  });

  it('answers 404 for a carrier without a secret, before reading anything', async () => {
    const event = carrierEvent(unique('TRK'));
    for (const carrier of ['acme', 'constructor']) {
      const res = await deliver(event, { carrier });
      expect({ carrier, status: res.statusCode, code: res.json().code }).toEqual({ carrier, status: 404, code: 'unknown_carrier' });
    }
    expect(await t.db('webhook_events').where({ event_id: event.id })).toEqual([]);
  });

  it('does not let a forged event claim the id of the real one', async () => {
    const event = carrierEvent(unique('TRK'));
    expect((await deliver(event, { signature: `v1=${'f'.repeat(64)}` })).statusCode).toBe(401);
    const real = await deliver(event);
    expect(real.statusCode).toBe(202);
    expect((await storedEvents(event.id)).map((row) => row.signature_valid)).toEqual([true]);
  });
});

describe('verified events', () => {
  it('refuses a signed body of the wrong shape with 400', async () => {
    const cases: [unknown, string][] = [
      [carrierEvent('X', { status: 'teleported' }), 'validation_error'],
      [carrierEvent('X', { occurredAt: 'yesterday' }), 'validation_error'],
      [{ ...carrierEvent('X'), extra: 1 }, 'validation_error'],
      ['{"id": "cut', 'invalid_json'],
    ];
    for (const [body, code] of cases) {
      const res = await deliver(body);
      expect({ body, status: res.statusCode, code: res.json().code }).toEqual({ body, status: 400, code });
    }
  });

  it('stores an event for an unknown tracking number as unmatched (202)', async () => {
    const event = carrierEvent(unique('TRK'));
    const res = await deliver(event);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'unmatched' });
    expect(await storedEvents(event.id)).toEqual([
      expect.objectContaining({
        signature_valid: true,
        tracking_number: event.trackingNumber,
        shipment_id: null,
        signalled_at: null,
        payload: event,
      }),
    ]);
  });

  it('accepts an event id once: a repeat is a duplicate and is not signalled again', async () => {
    const { shipmentId, trackingNumber, handle } = await shipmentWithWorkflow();
    const event = carrierEvent(trackingNumber, { status: 'out_for_delivery' });
    const first = await deliver(event);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ status: 'accepted' });
    const repeat = await deliver(event);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual({ status: 'duplicate' });

    const stored = await storedEvents(event.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ shipment_id: shipmentId, signature_valid: true });
    expect(stored[0].signalled_at).not.toBeNull();
    expect(await carrierSignals(handle)).toEqual([
      {
        carrier: 'sandbox',
        eventId: event.id,
        trackingNumber,
        status: 'out_for_delivery',
        occurredAt: '2024-06-01T12:00:00.000Z',
        description: 'Departed facility',
      },
    ]);
  });

  it('delivers a repeat of an event that arrived before its shipment had a label', async () => {
    const event = carrierEvent(unique('TRK'));
    expect((await deliver(event)).statusCode).toBe(202);
    const { trackingNumber, handle } = await shipmentWithWorkflow();
    await t.db('shipments').where({ tracking_number: trackingNumber }).update({ tracking_number: event.trackingNumber });

    const repeat = await deliver(event);
    expect(repeat.json()).toEqual({ status: 'accepted' });
    expect((await carrierSignals(handle)).map((signal) => signal.eventId)).toEqual([event.id]);
    expect(await storedEvents(event.id)).toHaveLength(1);
  });

  it('ignores, with a reason, an event for a shipment whose workflow has ended', async () => {
    const { shipmentId, trackingNumber, handle } = await shipmentWithWorkflow();
    await handle.terminate('test: delivered long ago');
    const event = carrierEvent(trackingNumber, { status: 'delivered' });
    const res = await deliver(event);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored', reason: expect.stringContaining(shipmentId) });
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ shipment_id: shipmentId, signalled_at: null })]);
  });
});

describe('events on return labels', () => {
  it('signals an event to the return\'s workflow once, even when it is sent twice', async () => {
    const { returnId, trackingNumber, handle } = await returnWithWorkflow();
    const event = carrierEvent(trackingNumber, { status: 'picked_up' });
    const first = await deliver(event);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ status: 'accepted' });
    const repeat = await deliver(event);
    expect(repeat.statusCode).toBe(200);
    expect(repeat.json()).toEqual({ status: 'duplicate' });

    const stored = await storedEvents(event.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ return_id: returnId, shipment_id: null, signature_valid: true });
    expect(stored[0].signalled_at).not.toBeNull();
    expect(await carrierSignals(handle)).toEqual([
      {
        carrier: 'sandbox',
        eventId: event.id,
        trackingNumber,
        status: 'picked_up',
        occurredAt: '2024-06-01T12:00:00.000Z',
        description: 'Departed facility',
      },
    ]);
  });

  it.each<ReturnStatus>(['CLOSED', 'CANCELLED'])('ignores, with a reason, an event for a %s return and signals nothing', async (status) => {
    const { returnId, trackingNumber, handle } = await returnWithWorkflow(status);
    try {
      const event = carrierEvent(trackingNumber, { status: 'delivered' });
      const res = await deliver(event);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ignored', reason: expect.stringContaining(returnId) });
      expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ return_id: returnId, signalled_at: null })]);
      expect(await carrierSignals(handle)).toEqual([]);
    } finally {
      await handle.terminate('test: a finished return has no running workflow');
    }
  });

  it('ignores, with a reason, an event for a return whose workflow has ended', async () => {
    const { returnId, trackingNumber, handle } = await returnWithWorkflow('IN_TRANSIT');
    await handle.terminate('test: ended early');
    const event = carrierEvent(trackingNumber, { status: 'delivered' });
    const res = await deliver(event);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored', reason: `the workflow of return ${returnId} (IN_TRANSIT) has ended` });
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ return_id: returnId, signalled_at: null })]);
  });

  it('finds no return by another carrier\'s tracking number: unmatched', async () => {
    const { trackingNumber, handle } = await returnWithWorkflow();
    await t.db('returns').where({ tracking_number: trackingNumber }).update({ carrier: 'other' });
    const event = carrierEvent(trackingNumber);
    const res = await deliver(event);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'unmatched' });
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ return_id: null, shipment_id: null })]);
    expect(await carrierSignals(handle)).toEqual([]);
  });
});

describe('webhooks bound to their carrier and bounded', () => {
  it('never applies an event signed with another carrier\'s secret to a sandbox shipment', async () => {
    t.config.carrier.webhookSecrets.other = 'other-carrier-test-secret';
    try {
      const { shipmentId, trackingNumber, handle } = await shipmentWithWorkflow();
      const event = carrierEvent(trackingNumber, { status: 'delivered' });
      const raw = JSON.stringify(event);
      const timestamp = nowSeconds();
      const res = await t.request({
        method: 'POST',
        url: '/v1/webhooks/carriers/other',
        headers: {
          'content-type': 'application/json',
          'x-carrier-timestamp': String(timestamp),
          'x-carrier-signature': signWebhook('other-carrier-test-secret', timestamp, raw),
        },
        payload: raw,
      });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'unmatched' });
      expect(await carrierSignals(handle)).toEqual([]);
      const stored = await t.db('webhook_events').where({ event_id: event.id });
      expect(stored).toEqual([expect.objectContaining({ carrier: 'other', shipment_id: null })]);
      expect(await t.db('shipments').where({ id: shipmentId }).first('carrier')).toEqual({ carrier: 'sandbox' });
    } finally {
      delete t.config.carrier.webhookSecrets.other;
    }
  });

  it('refuses a 1 MiB unsigned post with 413 and stores nothing of it', async () => {
    const [{ last: lastEvent }] = await t.db('webhook_events').max({ last: 'id' });
    const [{ last: lastFailure }] = await t.db('webhook_failures').max({ last: 'id' });
    const big = JSON.stringify({ ...carrierEvent(unique('TRK')), description: 'x'.repeat(1024 * 1024) });
    const res = await deliver(big, { unsigned: true });
    expect(res.statusCode).toBe(413);
    expect(await t.db('webhook_events').where('id', '>', lastEvent ?? 0)).toEqual([]);
    const failures = await t.db('webhook_failures').where('id', '>', lastFailure ?? 0);
    for (const failure of failures) expect(failure).not.toHaveProperty('payload');
  });

  it('stores a bad-signature post without its payload', async () => {
    const event = carrierEvent(unique('TRK'), { description: 'secret-payload-marker' });
    const res = await deliver(event, { signature: `v1=${'1'.repeat(64)}` });
    expect(res.statusCode).toBe(401);
    const rows = await t.db('webhook_events').where({ event_id: event.id });
    expect(rows).toEqual([]);
    const dump = JSON.stringify(await t.db('webhook_failures').orderBy('id', 'desc').limit(5));
    expect(dump).not.toContain('secret-payload-marker');
  });

  it('deletes failed attempts past their retention', async () => {
    const { deleteOldWebhookFailures } = await import('../../db/webhook-failures');
    const [old] = await t.db('webhook_failures')
      .insert({ carrier: 'sandbox', reason: 'bad_signature', body_sha256: '0'.repeat(64), body_bytes: 1, received_at: new Date(Date.now() - 100 * 3_600_000) })
      .returning('id');
    await deleteOldWebhookFailures(t.db, 1000, 72);
    expect(await t.db('webhook_failures').where({ id: old.id })).toEqual([]);
  });

  it('answers deeply nested signed JSON with 400', async () => {
    const deep = `{"id":"x","nested":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await deliver(deep);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_json');
  });

  it('does not signal an event that cannot advance the shipment', async () => {
    const { shipmentId, trackingNumber, handle } = await shipmentWithWorkflow();
    await t.db('shipments').where({ id: shipmentId }).update({ status: 'OUT_FOR_DELIVERY' });
    const event = carrierEvent(trackingNumber, { status: 'in_transit' });
    const res = await deliver(event);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored', reason: expect.stringContaining(shipmentId) });
    expect(await carrierSignals(handle)).toEqual([]);
    // Back to what the seeded rows support (nothing has shipped), for the invariants at the end.
    await t.db('shipments').where({ id: shipmentId }).update({ status: 'LABELLED' });
  });
});

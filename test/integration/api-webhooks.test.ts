import { signWebhook } from '../../domain/webhook-signature';
import { shipmentWorkflowId } from '../../workflows/definitions';
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
  const handle = await t.temporal.workflow.start('shipmentWorkflow', {
    taskQueue: t.config.temporal.taskQueue,
    workflowId: shipmentWorkflowId(orderId, 1),
    args: [],
  });
  return { shipmentId, trackingNumber, handle };
}

async function carrierSignals(handle: Awaited<ReturnType<typeof shipmentWithWorkflow>>['handle']) {
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
  ])('refuses %s with 401 and stores the attempt as unverified', async (_name, options, code) => {
    const event = carrierEvent(unique('TRK'));
    const res = await deliver(event, options);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(code);
    const stored = await storedEvents(event.id);
    expect(stored).toEqual([expect.objectContaining({ signature_valid: false, payload: event, shipment_id: null })]);
  });

  it('stores an unsigned body that is not JSON without a payload', async () => {
    const [{ last }] = await t.db('webhook_events').max({ last: 'id' });
    const res = await deliver('{"id": "broken', { unsigned: true });
    expect(res.statusCode).toBe(401);
    const stored = await t.db('webhook_events').where('id', '>', last ?? 0).where({ carrier: 'sandbox', signature_valid: false });
    expect(stored).toEqual([expect.objectContaining({ payload: null, event_id: null })]);
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
    expect((await storedEvents(event.id)).map((row) => row.signature_valid)).toEqual([false, true]);
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

/**
 * buyLabel and voidLabel against the real sandbox carrier service and real Postgres: multi-piece
 * labels, carrier refusals that Temporal must not retry, and a label that arrives for a shipment
 * the workflow has already closed.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { shipmentActivities } from '../../activities/shipments';
import type { CarrierAdapter, LabelRequest } from '../../carriers/adapter';
import { BusinessFailure } from '../../workflows/definitions';
import { SANDBOX_PARCEL_LIMITS } from '../../carriers/sandbox/limits';
import { buildSandboxCarrier, type SandboxCarrier } from '../../carriers/sandbox/server';
import { SandboxCarrierAdapter } from '../../carriers/sandbox-adapter';
import type { ShipmentStatus } from '../../domain/types';
import { loadConfig } from '../../infra/config';
import { createFreshDatabase, type FreshDatabase } from '../../dev/harness/database';

const API_KEY = `label-activities-${randomBytes(4).toString('hex')}`;
const WAREHOUSE = { name: 'Acme Fulfillment', line1: '100 Dock St', city: 'Portland', region: 'OR', postalCode: '97201', country: 'US' };
const recipient = (line1 = '12 Elm St') => ({ name: 'Ada Lovelace', line1, city: 'Boston', region: 'MA', postalCode: '02108', country: 'US' });

describe('label activities with the sandbox carrier', () => {
  let database: FreshDatabase;
  let carrier: SandboxCarrier;
  let adapter: SandboxCarrierAdapter;
  let carrierUrl: string;
  const settings = loadConfig().fulfillment;
  let activities: ReturnType<typeof shipmentActivities>;
  let counter = 0;

  beforeAll(async () => {
    database = await createFreshDatabase(process.env.DATABASE_URL!, 'labels', 5);
    // Tracking webhooks are never sent here: the dispatcher is not started.
    carrier = await buildSandboxCarrier({
      db: database.db,
      apiKey: API_KEY,
      webhookUrl: 'http://127.0.0.1:9/unused',
      webhookSecret: 'unused',
      timetable: 'manual',
    });
    await carrier.app.listen({ host: '127.0.0.1', port: 0 });
    carrierUrl = `http://127.0.0.1:${(carrier.app.server.address() as AddressInfo).port}`;
    adapter = new SandboxCarrierAdapter({ baseUrl: carrierUrl, apiKey: API_KEY });
    activities = shipmentActivities(database.db, adapter, settings);

    await database.db('locations').insert({ id: 'WH1', name: 'Warehouse 1', fulfillment_mode: 'manual', address: JSON.stringify(WAREHOUSE) });
    await database.db('products').insert([
      product('ANVIL', 9_000, [400, 300, 200]),
      product('BOOK', 500, [240, 170, 30]),
      product('SAFE', 45_000, [600, 500, 500]),
    ]);
  });

  afterAll(async () => {
    await carrier.app.close();
    await database.drop();
  });

  function product(sku: string, weightGrams: number, [length, width, height]: number[]) {
    return {
      sku,
      name: sku,
      upc: String(100_000_000_000 + ++counter * 7),
      unit_price_cents: 1_000,
      weight_grams: weightGrams,
      length_mm: length,
      width_mm: width,
      height_mm: height,
    };
  }

  /** A packed shipment of an accepted order, as the workflow leaves it before buying the label. */
  async function packedShipment(lines: { sku: string; quantity: number }[], to = recipient()) {
    const orderId = `ord_${randomBytes(6).toString('hex')}`;
    const shipmentId = `${orderId}-1`;
    const { db } = database;
    await db('orders').insert({
      id: orderId,
      customer_id: 'cust-labels',
      channel: 'web',
      status: 'ALLOCATED',
      backorder_policy: 'wait',
      currency: 'USD',
      items_cents: 1_000,
      shipping_cents: 0,
      total_cents: 1_000,
      payment_token: 'tok_visa',
      capture_mode: 'on_shipment',
      shipping_address: JSON.stringify(to),
    });
    await db('order_lines').insert(lines.map((line, index) => ({ order_id: orderId, line_no: index + 1, ...line, unit_price_cents: 1_000 })));
    await db('shipments').insert({ id: shipmentId, order_id: orderId, shipment_no: 1, location_id: 'WH1', status: 'PACKED', amount_cents: 1_000 });
    await db('shipment_lines').insert(lines.map((line, index) => ({ shipment_id: shipmentId, line_no: index + 1, ...line })));
    return { orderId, shipmentId };
  }

  const shipmentRow = (shipmentId: string) => database.db('shipments').where({ id: shipmentId }).first();
  const parcelRows = (shipmentId: string) => database.db('shipment_parcels').where({ shipment_id: shipmentId }).orderBy('parcel_no');
  const carrierLabels = (shipmentId: string) => database.db('sandbox_carrier.labels').where({ reference: shipmentId });

  /** What buyLabel threw, to look at field by field. */
  async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
    const error = await run.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  it('packs many heavy units into parcels within the limits and stores one piece per parcel', async () => {
    const { orderId, shipmentId } = await packedShipment([
      { sku: 'ANVIL', quantity: 7 },
      { sku: 'BOOK', quantity: 4 },
    ]);
    const outcome = await activities.buyLabel({ shipmentId, orderId });

    const shipment = await shipmentRow(shipmentId);
    expect(shipment).toMatchObject({ status: 'LABELLED', tracking_number: outcome.trackingNumber, label_url: outcome.labelUrl, carrier: 'sandbox' });
    const parcels = await parcelRows(shipmentId);
    // 63 kg of anvils, three to a parcel; the books fill the room left in the first.
    expect(parcels.map((p) => [p.parcel_no, p.weight_grams, p.contents])).toEqual([
      [1, 29_000, [{ sku: 'ANVIL', quantity: 3 }, { sku: 'BOOK', quantity: 4 }]],
      [2, 27_000, [{ sku: 'ANVIL', quantity: 3 }]],
      [3, 9_000, [{ sku: 'ANVIL', quantity: 1 }]],
    ]);
    for (const parcel of parcels) expect(parcel.weight_grams).toBeLessThanOrEqual(SANDBOX_PARCEL_LIMITS.maxWeightGrams);
    expect(parcels[1]).toMatchObject({ length_mm: 600, width_mm: 400, height_mm: 300 });

    // The carrier's pieces, in order; piece 1 carries the master tracking number the shipment keeps.
    const [label] = await carrierLabels(shipmentId);
    const pieces = await database.db('sandbox_carrier.pieces').where({ label_id: label.id }).orderBy('piece_no');
    expect(parcels.map((p) => p.tracking_number)).toEqual(pieces.map((p) => p.tracking_number));
    expect(parcels[0].tracking_number).toBe(shipment.tracking_number);
    expect(pieces.map((p) => p.parcel.weightGrams)).toEqual([29_000, 27_000, 9_000]);
    expect(parcels.map((p) => p.label_url)).toEqual([1, 2, 3].map((n) => `${outcome.labelUrl}?piece=${n}`));
    const labelled = await database.db('order_events').where({ order_id: orderId, type: 'shipment_labelled' }).first();
    expect(labelled.detail).toEqual({ shipmentId, trackingNumber: outcome.trackingNumber, parcels: 3 });

    // A retry finds the label stored: nothing is bought or stored twice.
    await expect(activities.buyLabel({ shipmentId, orderId })).resolves.toMatchObject({ trackingNumber: outcome.trackingNumber });
    expect(await parcelRows(shipmentId)).toHaveLength(3);
    expect(await carrierLabels(shipmentId)).toHaveLength(1);
  });

  it('fails a parcel over the carrier limits as carrier_refused, not to be retried, and stores nothing', async () => {
    const { orderId, shipmentId } = await packedShipment([
      { sku: 'SAFE', quantity: 1 },
      { sku: 'BOOK', quantity: 1 },
    ]);
    const failure = await failureOf(activities.buyLabel({ shipmentId, orderId }));
    expect(failure).toMatchObject({ type: BusinessFailure.carrierRefused, nonRetryable: true, details: [{ code: 'parcel_too_heavy' }] });
    expect(failure.message).toContain('weight 45000 g exceeds');

    expect(await shipmentRow(shipmentId)).toMatchObject({ status: 'PACKED', tracking_number: null, label_id: null });
    expect(await parcelRows(shipmentId)).toEqual([]);
    expect(await carrierLabels(shipmentId)).toEqual([]);
  });

  it('fails a label to an address the carrier does not serve as carrier_refused', async () => {
    const { orderId, shipmentId } = await packedShipment([{ sku: 'BOOK', quantity: 1 }], recipient('UNDELIVERABLE 9 Nowhere'));
    const failure = await failureOf(activities.buyLabel({ shipmentId, orderId }));
    expect(failure).toMatchObject({ type: BusinessFailure.carrierRefused, nonRetryable: true, details: [{ code: 'address_undeliverable' }] });
    expect(await shipmentRow(shipmentId)).toMatchObject({ status: 'PACKED', tracking_number: null });
  });

  it('leaves a carrier that cannot be reached to Temporal’s retries: a plain error, not a refusal', async () => {
    const { orderId, shipmentId } = await packedShipment([{ sku: 'BOOK', quantity: 1 }]);
    // Port 9 (discard) has nothing listening: the connection is refused.
    const unreachable = new SandboxCarrierAdapter({ baseUrl: 'http://127.0.0.1:9', apiKey: API_KEY, timeoutMs: 2_000 });
    const error = await shipmentActivities(database.db, unreachable, settings)
      .buyLabel({ shipmentId, orderId })
      .then(() => undefined, (thrown: unknown) => thrown);
    // fetch's TypeError comes from Node's realm, not the test's: compare by shape.
    expect(error).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(error).not.toBeInstanceOf(ApplicationFailure);

    // A carrier answering 5xx is the same: it may work next time.
    const failing = await serverAnswering(503);
    try {
      const broken = new SandboxCarrierAdapter({ baseUrl: failing.url, apiKey: API_KEY });
      const thrown = await shipmentActivities(database.db, broken, settings)
        .buyLabel({ shipmentId, orderId })
        .then(() => undefined, (e: unknown) => e);
      expect(thrown).toMatchObject({ name: 'Error', message: expect.stringContaining('answered 503') });
      expect(thrown).not.toBeInstanceOf(ApplicationFailure);
    } finally {
      await failing.close();
    }
    expect(await shipmentRow(shipmentId)).toMatchObject({ status: 'PACKED', tracking_number: null });
  });

  it.each<ShipmentStatus>(['CANCELLED', 'FAILED'])(
    'voids a label that arrives after the shipment was %s, stores nothing and answers shipment_closed',
    async (closedAs) => {
      const { orderId, shipmentId } = await packedShipment([{ sku: 'ANVIL', quantity: 4 }]);
      // The workflow gives up while the carrier is still answering: it closes the shipment first.
      const racing: CarrierAdapter = {
        name: adapter.name,
        parcelLimits: adapter.parcelLimits,
        rates: (request) => adapter.rates(request),
        voidLabel: (labelId) => adapter.voidLabel(labelId),
        purchaseReturnLabel: (request) => adapter.purchaseReturnLabel(request),
        purchaseLabel: async (request: LabelRequest) => {
          const label = await adapter.purchaseLabel(request);
          await database.db('shipments').where({ id: shipmentId }).update({ status: closedAs });
          return label;
        },
      };
      const failure = await failureOf(shipmentActivities(database.db, racing, settings).buyLabel({ shipmentId, orderId }));
      expect(failure).toMatchObject({ type: BusinessFailure.shipmentClosed, nonRetryable: true });

      const [label] = await carrierLabels(shipmentId);
      expect(label.voided_at).not.toBeNull();
      expect(failure.details).toEqual([{ labelId: label.id, trackingNumber: label.tracking_number, void: 'voided' }]);
      expect(await shipmentRow(shipmentId)).toMatchObject({ status: closedAs, tracking_number: null, label_id: null });
      expect(await parcelRows(shipmentId)).toEqual([]);
      expect(await database.db('order_events').where({ order_id: orderId, type: 'shipment_labelled' })).toEqual([]);

      // A retry of the activity (the same key buys the same label) ends the same way.
      const again = await failureOf(activities.buyLabel({ shipmentId, orderId }));
      expect(again).toMatchObject({ type: BusinessFailure.shipmentClosed, nonRetryable: true });
      expect(await carrierLabels(shipmentId)).toHaveLength(1);
    },
  );

  it('voids a stored label, and fails a void the carrier refuses as carrier_refused', async () => {
    const { orderId, shipmentId } = await packedShipment([{ sku: 'BOOK', quantity: 2 }]);
    await activities.buyLabel({ shipmentId, orderId });
    await expect(activities.voidLabel({ shipmentId })).resolves.toBe('voided');
    expect((await shipmentRow(shipmentId)).label_voided_at).not.toBeNull();
    expect((await carrierLabels(shipmentId))[0].voided_at).not.toBeNull();

    const other = await packedShipment([{ sku: 'BOOK', quantity: 1 }]);
    await database.db('shipments').where({ id: other.shipmentId }).update({ label_id: 'lbl_the_carrier_never_sold' });
    const failure = await failureOf(activities.voidLabel({ shipmentId: other.shipmentId }));
    expect(failure).toMatchObject({ type: BusinessFailure.carrierRefused, nonRetryable: true, details: [{ code: 'label_not_found' }] });
  });
});

/** A stand-in carrier that answers every request with this status. */
async function serverAnswering(status: number): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ code: 'unavailable', message: 'try later' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import {
  confirmPickUpdate,
  declareLostUpdate,
  type PickLine,
  scanItemUpdate,
  shipmentStatusQuery,
  shipmentWorkflowId,
} from '../../workflows/definitions';
import { gtin13 } from '../../domain/upc';
import { shipmentKitComponents } from '../../db/kits';
import { ApiError } from '../api-error';
import { seesLocation } from '../plugins/auth';
import { pageByCreation } from '../cursor';
import { type RouteDeps, within } from '../deps';
import { idempotently, updateIdFor } from '../idempotency';
import { iso, isoOrNull } from '../iso-date-time';
import {
  DeclareLostBody,
  errorResponses,
  IdempotencyHeaders,
  LiveQuery,
  LocationParams,
  PickBody,
  PickListPage,
  PickListQuery,
  ScanBody,
  ScanResult,
  Shipment,
  ShipmentParams,
  ShipmentView,
  ShipmentWithLive,
} from '../schemas';
import { callWorkflow, queryOrExplain } from '../temporal-errors';

/** Pick lists and the pick/pack steps a warehouse worker confirms on a handheld. */
export const warehouseRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;

  app.get(
    '/v1/warehouses/:locationId/pick-lists',
    {
      schema: {
        tags: ['warehouse'],
        summary: 'Shipments waiting to be picked (or packed) here, oldest first, lines in walking order of their bins; paged',
        params: LocationParams,
        querystring: PickListQuery,
        response: { 200: PickListPage, ...errorResponses },
      },
    },
    async (request) => {
      const { locationId } = request.params;
      const { status, cursor, limit } = request.query;
      const location = await db('locations').where({ id: locationId }).first('id');
      // Another location's pick list is not found, never forbidden: a key learns nothing of it.
      if (!location || !seesLocation(request, locationId)) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
      // Oldest first, so the shipments waiting longest are picked first.
      const { rows: shipments, nextCursor } = await pageByCreation(db, 'shipments', { limit, cursor, oldestFirst: true }, (query) =>
        query.where({ location_id: locationId, status: status ?? 'AWAITING_PICK' }),
      );
      const lines = await shipmentLines(db, shipments.map((shipment) => shipment.id));
      return {
        data: shipments.map((shipment) => ({
          shipmentId: shipment.id,
          orderId: shipment.order_id,
          shipmentNo: shipment.shipment_no,
          status: shipment.status,
          createdAt: iso(shipment.created_at),
          lines: lines.get(shipment.id) ?? [],
        })),
        nextCursor,
      };
    },
  );

  app.get(
    '/v1/shipments/:shipmentId',
    {
      schema: {
        tags: ['warehouse'],
        summary: "A shipment, its lines and tracking from the Postgres projection; with ?live=true also its workflow's live status",
        params: ShipmentParams,
        querystring: LiveQuery,
        response: { 200: ShipmentWithLive, ...errorResponses },
      },
    },
    async (request) => {
      const row = await mustFindShipment(request, request.params.shipmentId);
      const [lines, tracking] = await Promise.all([
        shipmentLines(db, [row.id]),
        db('tracking_events').where({ shipment_id: row.id }).orderBy(['occurred_at', 'id']),
      ]);
      const shipment: Shipment = {
        id: row.id,
        orderId: row.order_id,
        shipmentNo: row.shipment_no,
        locationId: row.location_id,
        status: row.status,
        amountCents: row.amount_cents,
        carrier: row.carrier,
        service: row.service,
        trackingNumber: row.tracking_number,
        labelUrl: row.label_url,
        overdue: row.overdue,
        failureReason: row.failure_reason,
        lostResolution: row.lost_resolution,
        deliveryDeadline: isoOrNull(row.delivery_deadline),
        pickedAt: isoOrNull(row.picked_at),
        packedAt: isoOrNull(row.packed_at),
        shippedAt: isoOrNull(row.shipped_at),
        deliveredAt: isoOrNull(row.delivered_at),
        cancelledAt: isoOrNull(row.cancelled_at),
        createdAt: iso(row.created_at),
        updatedAt: iso(row.updated_at),
        lines: lines.get(row.id) ?? [],
        trackingEvents: tracking.map((event) => ({
          carrier: event.carrier,
          eventId: event.event_id,
          status: event.status,
          description: event.description,
          occurredAt: iso(event.occurred_at),
        })),
      };
      if (!request.query.live) return shipment;
      const handle = temporal.workflow.getHandle(shipmentWorkflowId(row.order_id, row.shipment_no));
      const live = await queryOrExplain(() => within(deps, timeouts.queryMs, () => handle.query(shipmentStatusQuery)));
      return { ...shipment, ...live };
    },
  );

  app.post(
    '/v1/shipments/:shipmentId/pick',
    {
      schema: {
        tags: ['warehouse'],
        summary: 'Confirm every line of the shipment has been picked',
        headers: IdempotencyHeaders,
        params: ShipmentParams,
        body: PickBody,
        response: { 200: ShipmentView, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const row = await mustFindShipment(request, request.params.shipmentId);
        return updateShipment(row, (handle) =>
          handle.executeUpdate(confirmPickUpdate, {
            args: [{ pickedBy: request.body.pickedBy }],
            updateId: updateIdFor('pick', request),
          }),
        );
      }),
  );

  app.post(
    '/v1/shipments/:shipmentId/scans',
    {
      schema: {
        tags: ['warehouse'],
        summary: 'Scan one unit into the parcel; wrong items and extra units are refused',
        headers: IdempotencyHeaders,
        params: ShipmentParams,
        body: ScanBody,
        response: { 200: ScanResult, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const row = await mustFindShipment(request, request.params.shipmentId);
        const upc = await storedBarcode(db, request.body.upc);
        return updateShipment(row, (handle) =>
          handle.executeUpdate(scanItemUpdate, {
            args: [{ upc, scannedBy: request.body.scannedBy }],
            // A scanner retrying the same scan must not count the unit twice.
            updateId: updateIdFor('scan', request),
          }),
        );
      }),
  );

  app.post(
    '/v1/shipments/:shipmentId/declare-lost',
    {
      schema: {
        tags: ['warehouse'],
        summary: 'Give up on a parcel with the carrier: the order refunds it or ships its units again',
        headers: IdempotencyHeaders,
        params: ShipmentParams,
        body: DeclareLostBody,
        response: { 200: ShipmentView, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const row = await mustFindShipment(request, request.params.shipmentId);
        return updateShipment(row, (handle) =>
          handle.executeUpdate(declareLostUpdate, { args: [request.body], updateId: updateIdFor('declare-lost', request) }),
        );
      }),
  );

  /** The shipment of the route's :shipmentId; one at a location the key does not hold, or a supplier's (dropship), is not found. */
  async function mustFindShipment(request: FastifyRequest, shipmentId: string) {
    const row = await db('shipments').where({ id: shipmentId }).first();
    if (!row || row.location_id === null || !seesLocation(request, row.location_id)) throw new ApiError(404, 'shipment_not_found', `shipment ${shipmentId} not found`);
    return row;
  }

  function updateShipment<T>(
    row: { id: string; order_id: string; shipment_no: number },
    run: (handle: WorkflowHandle) => Promise<T>,
  ): Promise<T> {
    const handle = temporal.workflow.getHandle(shipmentWorkflowId(row.order_id, row.shipment_no));
    return callWorkflow(
      () => within(deps, timeouts.updateMs, () => run(handle)),
      async () => {
        const { status } = await db('shipments').where({ id: row.id }).first('status');
        return new ApiError(409, 'invalid_shipment_state', `shipment ${row.id} is ${status} and its workflow has ended`);
      },
    );
  }
};

/**
 * The barcode as the catalog stores it: a scanner may read a UPC-A as its EAN-13 (a leading 0), and
 * the shipment knows the stored form. An unknown barcode stays as scanned, for the shipment to refuse.
 */
async function storedBarcode(db: Knex, scanned: string): Promise<string> {
  const row = await db('products').whereRaw("lpad(upc, 13, '0') = ?", [gtin13(scanned)]).first('upc');
  return row?.upc ?? scanned;
}

/** Lines per shipment, in the order a picker walks the bins (sequence, then code); lines without a bin come last. */
async function shipmentLines(db: Knex, shipmentIds: string[]): Promise<Map<string, PickLine[]>> {
  const rows = await db('shipment_lines as sl')
    .join('shipments as s', 's.id', 'sl.shipment_id')
    .join('products as p', 'p.sku', 'sl.sku')
    .leftJoin('bin_assignments as b', function joinBin() {
      this.on('b.sku', 'sl.sku').andOn('b.location_id', 's.location_id');
    })
    .whereIn('sl.shipment_id', shipmentIds)
    .leftJoin('bins as bin', function joinBinSequence() {
      this.on('bin.location_id', 'b.location_id').andOn('bin.code', 'b.bin_code');
    })
    .orderByRaw('bin.sequence ASC NULLS LAST, b.bin_code ASC NULLS LAST, sl.line_no')
    .select('sl.shipment_id', 'sl.line_no', 'sl.sku', 'p.name', 'p.upc', 'b.bin_code', 'sl.quantity');
  const kitComponents = await shipmentKitComponents(db, shipmentIds);
  const byShipment = new Map<string, PickLine[]>();
  for (const row of rows) {
    const lines = byShipment.get(row.shipment_id) ?? [];
    const components = kitComponents.get(`${row.shipment_id}:${row.line_no}`);
    lines.push({
      lineNo: row.line_no,
      sku: row.sku,
      name: row.name,
      upc: row.upc,
      bin: row.bin_code,
      quantity: row.quantity,
      ...(components ? { components } : {}),
    });
    byShipment.set(row.shipment_id, lines);
  }
  return byShipment;
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { ORDER_STATUSES, RETURN_REASONS } from '../../domain/types';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { iso } from '../iso-date-time';
import { each, sendCsv, wantsCsv } from '../reports/csv-reply';
import { assertKnownFilters, periodOf, type ReportFilter } from '../reports/filters';
import { errorResponses, OneOf, Text } from '../schemas';

/** Where ops open the Temporal Web UI; its workflow list takes a visibility query. */

/** The Temporal Web UI's workflow list filtered by a visibility query, e.g. `OrderStatus="BACKORDERED"`. */
export function temporalWorkflowsUrl(uiUrl: string, namespace: string, query: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

const Day = (description: string) => Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description }));

const PipelineQuery = Type.Object({ channel: Type.Optional(Text(64, { description: 'Only orders of this sales channel' })) }, { additionalProperties: false });
const Pipeline = Type.Object({
  asOf: Type.String(),
  channel: Type.Union([Type.String(), Type.Null()]),
  total: Type.Integer(),
  statuses: Type.Array(
    Type.Object({
      status: OneOf(ORDER_STATUSES),
      count: Type.Integer(),
      temporalUrl: Type.String({ description: 'The Temporal Web UI listing these orders (search attribute OrderStatus)' }),
    }),
  ),
});

const ReturnsQuery = Type.Object(
  {
    from: Day('First day (UTC) the returns were requested, inclusive; default 29 days before `to`'),
    to: Day('Last day (UTC), inclusive; default today'),
    location: Type.Optional(Text(32, { description: 'Only returns going back to this location' })),
    channel: Type.Optional(Text(64)),
    sku: Type.Optional(Text(64)),
  },
  { additionalProperties: false },
);
const ReturnsByReason = Type.Object({
  from: Type.String(),
  to: Type.String(),
  totalUnits: Type.Integer(),
  reasons: Type.Array(
    Type.Object({
      reason: OneOf(RETURN_REASONS),
      returns: Type.Integer({ description: 'Returns with at least one line for this reason' }),
      units: Type.Integer({ description: 'Units requested back' }),
      valueCents: Type.Integer({ description: 'Units x the price they were sold at' }),
    }),
  ),
});

const LatePoQuery = Type.Object(
  {
    location: Type.Optional(Text(32, { description: 'Only POs delivering to this location' })),
    supplier: Type.Optional(Text(40, { description: 'Only POs of this supplier' })),
  },
  { additionalProperties: false },
);
const LatePo = Type.Object({
  id: Type.String(),
  supplierId: Type.String(),
  supplierName: Type.String(),
  locationId: Type.String(),
  status: Type.String(),
  expectedAt: Type.String(),
  daysLate: Type.Integer({ description: 'Whole days since expectedAt' }),
  unitsOrdered: Type.Integer(),
  unitsOutstanding: Type.Integer({ description: 'Ordered (or confirmed) and not yet received' }),
  outstandingValueCents: Type.Integer(),
});
const LatePos = Type.Object({ asOf: Type.String(), data: Type.Array(LatePo) });
type LatePo = Static<typeof LatePo>;

/** POs still waiting for goods: submitted, confirmed or partly received. */
const OPEN_PO_STATUSES = ['SUBMITTED', 'CONFIRMED', 'PARTIALLY_RECEIVED'];

/**
 * The small read-only reports the dashboard needs beside the analytics reports: where orders stand,
 * why goods come back, and which purchase orders are overdue. Computed in SQL at request time; JSON,
 * or CSV with `Accept: text/csv`.
 */
export const dashboardDataRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  const uiUrl = config.api.temporalUiUrl;

  app.get(
    '/v1/reports/order-pipeline',
    {
      schema: {
        tags: ['reports'],
        summary: 'Orders per status now (every status, zeros included), each with a link to the Temporal Web UI filtered to it. JSON, or CSV',
        querystring: PipelineQuery,
        response: { 200: Pipeline, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { channel } = request.query;
      await assertKnownFilters(db, { channel });
      const counts = await db('orders')
        .modify((query) => {
          if (channel) query.where({ channel });
        })
        .groupBy('status')
        .select<{ status: string; count: number }[]>('status', db.raw('count(*)::int AS count'));
      const countOf = new Map(counts.map((row) => [row.status, row.count]));
      const statuses = ORDER_STATUSES.map((status) => {
        const filter = channel ? `OrderStatus="${status}" AND Channel="${channel.replace(/"/g, '')}"` : `OrderStatus="${status}"`;
        return { status, count: countOf.get(status) ?? 0, temporalUrl: temporalWorkflowsUrl(uiUrl, config.temporal.namespace, filter) };
      });
      const now = new Date();
      if (wantsCsv(request)) {
        return sendCsv(reply, `order-pipeline-${iso(now)}`, ['status', 'count', 'temporal_url'], each(statuses), (row) => [
          row.status, row.count, row.temporalUrl,
        ]);
      }
      return { asOf: iso(now), channel: channel ?? null, total: statuses.reduce((sum, row) => sum + row.count, 0), statuses };
    },
  );

  app.get(
    '/v1/reports/returns-by-reason',
    {
      schema: {
        tags: ['reports'],
        summary: 'Returns requested in the period per reason (every reason, zeros included): returns, units and their sold value. JSON, or CSV',
        querystring: ReturnsQuery,
        response: { 200: ReturnsByReason, ...errorResponses },
      },
    },
    async (request, reply) => {
      const filter = periodOf(request.query, config.reports.maxRangeDays);
      await assertKnownFilters(db, filter);
      const reasons = await returnsByReason(db, filter);
      if (wantsCsv(request)) {
        return sendCsv(reply, `returns-by-reason-${filter.from}-${filter.to}`, ['reason', 'returns', 'units', 'value_cents'], each(reasons), (row) => [
          row.reason, row.returns, row.units, row.valueCents,
        ]);
      }
      return { from: filter.from, to: filter.to, totalUnits: reasons.reduce((sum, row) => sum + row.units, 0), reasons };
    },
  );

  app.get(
    '/v1/reports/late-purchase-orders',
    {
      schema: {
        tags: ['reports'],
        summary: 'Open purchase orders past their expected date, most overdue first, with the units and value still to come. JSON, or CSV',
        querystring: LatePoQuery,
        response: { 200: LatePos, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { location, supplier } = request.query;
      await assertKnownFilters(db, { locationId: location });
      if (supplier && !(await db('suppliers').where({ id: supplier }).first('id'))) {
        throw new ApiError(422, 'unknown_supplier', `supplier ${supplier} does not exist`);
      }
      const now = new Date();
      const data = await latePurchaseOrders(db, now, { locationId: location, supplierId: supplier });
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `late-purchase-orders-${iso(now)}`,
          ['id', 'supplier_id', 'supplier_name', 'location_id', 'status', 'expected_at', 'days_late', 'units_ordered', 'units_outstanding', 'outstanding_value_cents'],
          each(data),
          (po) => [po.id, po.supplierId, po.supplierName, po.locationId, po.status, po.expectedAt, po.daysLate, po.unitsOrdered, po.unitsOutstanding, po.outstandingValueCents],
        );
      }
      return { asOf: iso(now), data };
    },
  );
};

async function returnsByReason(db: Knex, filter: ReportFilter) {
  const rows = await db('return_lines as rl')
    .join('returns as r', 'r.id', 'rl.return_id')
    .where('r.created_at', '>=', filter.start)
    .andWhere('r.created_at', '<', filter.end)
    .modify((query) => {
      if (filter.locationId) query.where('r.location_id', filter.locationId);
      if (filter.channel) query.where('r.channel', filter.channel);
      if (filter.sku) query.where('rl.sku', filter.sku);
    })
    .groupBy('rl.reason')
    .select(
      'rl.reason',
      db.raw('count(DISTINCT rl.return_id)::int AS returns'),
      db.raw('sum(rl.quantity)::int AS units'),
      db.raw('sum(rl.quantity * rl.unit_price_cents)::bigint AS value_cents'),
    );
  const byReason = new Map(rows.map((row: { reason: string }) => [row.reason, row]));
  return RETURN_REASONS.map((reason) => {
    const row = byReason.get(reason) as { returns: number; units: number; value_cents: string } | undefined;
    return { reason, returns: row?.returns ?? 0, units: row?.units ?? 0, valueCents: Number(row?.value_cents ?? 0) };
  });
}

interface LatePoRow {
  id: string;
  supplier_id: string;
  supplier_name: string;
  location_id: string;
  status: string;
  expected_at: Date;
  units_ordered: number;
  units_outstanding: number;
  outstanding_value_cents: string;
}

async function latePurchaseOrders(db: Knex, now: Date, filter: { locationId?: string; supplierId?: string }): Promise<LatePo[]> {
  const outstanding = 'GREATEST(COALESCE(l.confirmed_quantity, l.quantity) - l.received, 0)';
  const rows = await db('purchase_orders as po')
    .join('suppliers as s', 's.id', 'po.supplier_id')
    .join('purchase_order_lines as l', 'l.purchase_order_id', 'po.id')
    .whereIn('po.status', OPEN_PO_STATUSES)
    .andWhere('po.expected_at', '<', now)
    .modify((query) => {
      if (filter.locationId) query.where('po.location_id', filter.locationId);
      if (filter.supplierId) query.where('po.supplier_id', filter.supplierId);
    })
    .groupBy('po.id', 's.name')
    .havingRaw(`sum(${outstanding}) > 0`)
    .orderBy([{ column: 'po.expected_at' }, { column: 'po.id' }])
    .select<LatePoRow[]>(
      'po.id',
      'po.supplier_id',
      's.name as supplier_name',
      'po.location_id',
      'po.status',
      'po.expected_at',
      db.raw('sum(l.quantity)::int AS units_ordered'),
      db.raw(`sum(${outstanding})::int AS units_outstanding`),
      db.raw(`sum(${outstanding} * l.unit_cost_cents)::bigint AS outstanding_value_cents`),
    );
  return rows.map((row) => ({
    id: row.id,
    supplierId: row.supplier_id,
    supplierName: row.supplier_name,
    locationId: row.location_id,
    status: row.status,
    expectedAt: iso(row.expected_at),
    daysLate: Math.floor((now.getTime() - new Date(row.expected_at).getTime()) / 86_400_000),
    unitsOrdered: row.units_ordered,
    unitsOutstanding: row.units_outstanding,
    outstandingValueCents: Number(row.outstanding_value_cents),
  }));
}

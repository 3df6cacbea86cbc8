import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ValuationLine, valuationTotal } from '../../domain/fifo';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { owedRows, type OwedRow } from '../reports/consignment';
import { csvStream } from '../reports/csv';
import { ConsignmentQuery, ConsignmentReport, Valuation, ValuationQuery } from '../reports/schemas';
import { type InTransitLine, inTransitLines, valuationLines } from '../reports/valuation';
import { iso } from '../iso-date-time';
import { errorResponses } from '../schemas';

const wantsCsv = (request: FastifyRequest) => /\btext\/csv\b/i.test(request.headers.accept ?? '');

function sendCsv(reply: FastifyReply, name: string, body: NodeJS.ReadableStream) {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).send(body);
}

const inTransitTotal = (lines: InTransitLine[]) =>
  lines.reduce(
    (total, line) => ({ units: total.units + line.units, valueCents: total.valueCents + line.valueCents, consignedUnits: total.consignedUnits + line.consignedUnits }),
    { units: 0, valueCents: 0, consignedUnits: 0 },
  );

/** Ops reports on stock value (FIFO) and consignment, as JSON or, with `Accept: text/csv`, a streamed CSV. */
export const reportRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.get(
    '/v1/reports/valuation',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Stock value per sku and location and in total, now or as of a past moment: our own units at their FIFO layer cost, ' +
          'consigned units at zero; JSON adds the units in transit between locations at the cost they left with. ' +
          'JSON, or CSV (stock at locations) with Accept: text/csv',
        querystring: ValuationQuery,
        response: { 200: Valuation, ...errorResponses },
      },
    },
    async (request, reply) => {
      const now = new Date();
      const asOf = request.query.asOf ? new Date(request.query.asOf) : now;
      if (asOf.getTime() > now.getTime()) {
        throw new ApiError(422, 'as_of_in_future', `asOf ${request.query.asOf} is in the future; stock can be valued now or as it was`);
      }
      const lines = valuationLines(db, { ...request.query, asOf });
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `valuation-${iso(asOf)}`,
          csvStream(['sku', 'location_id', 'units', 'value_cents', 'consigned_units'], lines, (line: ValuationLine) => [
            line.sku,
            line.locationId,
            line.units,
            line.valueCents,
            line.consignedUnits,
          ]),
        );
      }
      const all: ValuationLine[] = [];
      for await (const line of lines) all.push(line);
      const inTransit = await inTransitLines(db, { ...request.query, asOf });
      return { asOf: iso(asOf), lines: all, total: valuationTotal(all), inTransit: { lines: inTransit, total: inTransitTotal(inTransit) } };
    },
  );

  app.get(
    '/v1/reports/consignment',
    {
      schema: {
        tags: ['reports'],
        summary:
          "What is owed to each consignment owner for their units that left our stock in a period, per sku, at the owner's " +
          'agreed cost. JSON, or CSV with Accept: text/csv',
        querystring: ConsignmentQuery,
        response: { 200: ConsignmentReport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const from = request.query.from ? new Date(request.query.from) : null;
      const to = request.query.to ? new Date(request.query.to) : new Date();
      if (from && from.getTime() > to.getTime()) {
        throw new ApiError(422, 'invalid_period', `from ${request.query.from} is after to ${iso(to)}`);
      }
      const rows = owedRows(db, { from, to, ownerId: request.query.ownerId });
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `consignment-${iso(to)}`,
          csvStream(['owner_id', 'sku', 'units', 'owed_cents'], rows, (row: OwedRow) => [row.ownerId, row.sku, row.units, row.owedCents]),
        );
      }
      const owners: { ownerId: string; units: number; owedCents: number; skus: { sku: string; units: number; owedCents: number }[] }[] = [];
      for await (const row of rows) {
        let owner = owners[owners.length - 1];
        if (owner?.ownerId !== row.ownerId) {
          owner = { ownerId: row.ownerId, units: 0, owedCents: 0, skus: [] };
          owners.push(owner);
        }
        owner.units += row.units;
        owner.owedCents += row.owedCents;
        owner.skus.push({ sku: row.sku, units: row.units, owedCents: row.owedCents });
      }
      return {
        from: from ? iso(from) : null,
        to: iso(to),
        owners,
        totalOwedCents: owners.reduce((sum, owner) => sum + owner.owedCents, 0),
      };
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AbcThresholds } from '../../domain/abc';
import { amount, type JournalLine, journalLines } from '../../domain/accounting';
import { grossMargin } from '../../domain/kpis';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { iso, isoOrNull } from '../iso-date-time';
import { abcReport } from '../reports/abc';
import { valueMovements } from '../reports/accounting';
import {
  AbcQuery, AbcReport, AccountingExport, AccountingExportQuery, DeadStockQuery, DeadStockReport,
  KpiQuery, KpiReport, SalesQuery, SalesReport, SurplusQuery, SurplusReport,
} from '../reports/analytics-schemas';
import { each, sendCsv, wantsCsv } from '../reports/csv-reply';
import { deadStockLines } from '../reports/dead-stock';
import { assertKnownFilters, periodOf, type ReportFilterQuery } from '../reports/filters';
import { kpiReport } from '../reports/kpis';
import { salesRows, type SalesRow } from '../reports/sales';
import { surplusLines } from '../reports/surplus';
import { errorResponses } from '../schemas';

/**
 * Ops analytics over the ledger and the order tables, computed in SQL at request time (no cache):
 * JSON, or a streamed CSV with `Accept: text/csv`. Every report checks its period and filters
 * (api/reports/filters.ts: from and to are UTC days, both inclusive) before it reads anything else.
 * Dead stock is stock as it stands now, so it takes no period.
 */
export const analyticsRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  const settings = config.reports;

  const filterOf = async (query: ReportFilterQuery) => {
    const filter = periodOf(query, settings.maxRangeDays);
    await assertKnownFilters(db, filter);
    return filter;
  };

  app.get(
    '/v1/reports/abc',
    {
      schema: {
        tags: ['reports'],
        summary:
          'ABC classes by FIFO value shipped in the period (default thresholds 80/15/5, or a, b, c in percent), per SKU with ' +
          'units, value, cumulative share and the class over the preceding period of equal length. JSON, or CSV with Accept: text/csv',
        querystring: AbcQuery,
        response: { 200: AbcReport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const thresholds = thresholdsOf(request.query, settings.abcThresholds);
      const filter = await filterOf(request.query);
      const report = await abcReport(db, filter, thresholds);
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `abc-${filter.from}-${filter.to}`,
          ['sku', 'units', 'value_cents', 'share_percent', 'cumulative_share_percent', 'class', 'previous_class'],
          each(report.lines),
          (line) => [line.sku, line.units, line.valueCents, line.sharePercent, line.cumulativeSharePercent, line.class, line.previousClass],
        );
      }
      return { from: filter.from, to: filter.to, thresholds, ...report };
    },
  );

  app.get(
    '/v1/reports/dead-stock',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Stock on hand per SKU and location that no shipment or transfer has taken out for `days` days (default 90), as it ' +
          'stands now, with units, FIFO value, the last outbound date and the remaining units by age (0-30, 31-90, 91-180, ' +
          'over 180 days since their receipt). JSON, or CSV with Accept: text/csv',
        querystring: DeadStockQuery,
        response: { 200: DeadStockReport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { days = settings.deadStockDays, location, sku } = request.query;
      await assertKnownFilters(db, { locationId: location, sku });
      const now = new Date();
      const lines = await deadStockLines(db, { days, now, locationId: location, sku });
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `dead-stock-${iso(now)}`,
          [
            'sku', 'location_id', 'units', 'value_cents', 'consigned_units', 'last_outbound_at', 'idle_days',
            'units_0_30', 'value_0_30', 'units_31_90', 'value_31_90', 'units_91_180', 'value_91_180', 'units_over_180', 'value_over_180',
          ],
          each(lines),
          (line) => [
            line.sku, line.locationId, line.units, line.valueCents, line.consignedUnits, isoOrNull(line.lastOutboundAt), line.idleDays,
            line.ages.days0to30.units, line.ages.days0to30.valueCents, line.ages.days31to90.units, line.ages.days31to90.valueCents,
            line.ages.days91to180.units, line.ages.days91to180.valueCents, line.ages.over180.units, line.ages.over180.valueCents,
          ],
        );
      }
      return {
        asOf: iso(now),
        days,
        totalValueCents: lines.reduce((sum, line) => sum + line.valueCents, 0),
        lines: lines.map((line) => ({ ...line, lastOutboundAt: isoOrNull(line.lastOutboundAt) })),
      };
    },
  );

  app.get(
    '/v1/reports/surplus',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Stock on hand per SKU and location beyond the average daily demand of the period (units shipped less units ' +
          'returned, per day) times `coverDays` (default 30), with the surplus valued at the newest layers. JSON, or CSV',
        querystring: SurplusQuery,
        response: { 200: SurplusReport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const coverDays = request.query.coverDays ?? settings.coverDays;
      const filter = await filterOf(request.query);
      const lines = await surplusLines(db, filter, coverDays);
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `surplus-${filter.from}-${filter.to}`,
          ['sku', 'location_id', 'on_hand', 'average_daily_demand', 'cover_units', 'demand_source', 'surplus_units', 'surplus_value_cents'],
          each(lines),
          (line) => [line.sku, line.locationId, line.onHand, line.averageDailyDemand, line.coverUnits, line.demandSource, line.surplusUnits, line.surplusValueCents],
        );
      }
      return {
        from: filter.from,
        to: filter.to,
        coverDays,
        totalValueCents: lines.reduce((sum, line) => sum + line.surplusValueCents, 0),
        lines,
      };
    },
  );

  app.get(
    '/v1/reports/sales',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Sales and gross margin of the units shipped in the period, by channel, SKU or period (groupBy, default channel; ' +
          'interval day, week or month for periods): units, revenue, FIFO COGS, margin and margin %. JSON, or CSV',
        querystring: SalesQuery,
        response: { 200: SalesReport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { groupBy = 'channel', interval = 'month' } = request.query;
      const filter = await filterOf(request.query);
      const rows = (await salesRows(db, filter, groupBy, interval)).map(withMargin);
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `sales-${groupBy}-${filter.from}-${filter.to}`,
          [groupBy, 'units', 'revenue_cents', 'cogs_cents', 'margin_cents', 'margin_percent'],
          each(rows),
          (row) => [row.key, row.units, row.revenueCents, row.cogsCents, row.marginCents, row.marginPercent],
        );
      }
      const total = rows.reduce(
        (sum, row) => ({ units: sum.units + row.units, revenueCents: sum.revenueCents + row.revenueCents, cogsCents: sum.cogsCents + row.cogsCents }),
        { units: 0, revenueCents: 0, cogsCents: 0 },
      );
      return {
        from: filter.from,
        to: filter.to,
        groupBy,
        interval: groupBy === 'period' ? interval : null,
        rows,
        total: { ...total, ...grossMargin(total.revenueCents, total.cogsCents) },
      };
    },
  );

  app.get(
    '/v1/reports/kpis',
    {
      schema: {
        tags: ['reports'],
        summary:
          'KPIs as a time series (interval day, week or month): inventory turnover, days on hand, sell-through, GMROI, fill rate, ' +
          'perfect-order rate, on-time ship rate against REPORTS_ON_TIME_SLA_HOURS, cycle times p50/p90, backorder rate; and over ' +
          'the period stock-out days per SKU, return rate by SKU and reason, inventory accuracy and carrier on-time delivery. ' +
          'JSON, or the series as CSV with Accept: text/csv',
        querystring: KpiQuery,
        response: { 200: KpiReport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const interval = request.query.interval ?? 'week';
      const filter = await filterOf(request.query);
      const report = await kpiReport(db, filter, interval, settings.onTimeSlaHours);
      if (wantsCsv(request)) {
        const columns = Object.keys(report.series[0] ?? {}).filter((name) => !name.endsWith('Hours'));
        return sendCsv(
          reply,
          `kpis-${interval}-${filter.from}-${filter.to}`,
          [...columns.map(snakeCase), 'created_to_shipped_hours_p50', 'created_to_shipped_hours_p90', 'shipped_to_delivered_hours_p50', 'shipped_to_delivered_hours_p90'],
          each(report.series),
          (point) => [
            ...columns.map((name) => point[name as keyof typeof point] as string | number | null),
            point.createdToShippedHours.p50, point.createdToShippedHours.p90, point.shippedToDeliveredHours.p50, point.shippedToDeliveredHours.p90,
          ],
        );
      }
      return { from: filter.from, to: filter.to, interval, slaHours: settings.onTimeSlaHours, ...report };
    },
  );

  app.get(
    '/v1/reports/accounting-export',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Journal lines of the stock value moved in the period (inventory asset, COGS, shrinkage and adjustments, returns, ' +
          'transfers in transit, consignment payable), one balanced journal per day and kind, at FIFO cost. With Accept: ' +
          'text/csv, a CSV QuickBooks imports as journal entries: Date, Journal No, Account, Debit, Credit, Description, Name',
        querystring: AccountingExportQuery,
        response: { 200: AccountingExport, ...errorResponses },
      },
    },
    async (request, reply) => {
      const filter = await filterOf(request.query);
      const lines = journalLines(await valueMovements(db, filter));
      if (wantsCsv(request)) {
        return sendCsv(
          reply,
          `journal-${filter.from}-${filter.to}`,
          ['Date', 'Journal No', 'Account', 'Debit', 'Credit', 'Description', 'Name'],
          each(lines),
          (line: JournalLine) => [
            line.date, line.journalNo, line.account, line.debitCents ? amount(line.debitCents) : '', line.creditCents ? amount(line.creditCents) : '',
            line.description, line.name,
          ],
        );
      }
      const totals = new Map<string, { account: string; debitCents: number; creditCents: number }>();
      for (const line of lines) {
        const total = totals.get(line.account) ?? { account: line.account, debitCents: 0, creditCents: 0 };
        total.debitCents += line.debitCents;
        total.creditCents += line.creditCents;
        totals.set(line.account, total);
      }
      return { from: filter.from, to: filter.to, lines, totals: [...totals.values()].sort((x, y) => (x.account < y.account ? -1 : 1)) };
    },
  );
};

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

const withMargin = (row: SalesRow) => ({ ...row, ...grossMargin(row.revenueCents, row.cogsCents) });

/** a, b and c come together and add up to 100; none given, the configured ones. */
function thresholdsOf(query: { a?: number; b?: number; c?: number }, configured: AbcThresholds): AbcThresholds {
  const given = [query.a, query.b, query.c].filter((share) => share !== undefined).length;
  if (given === 0) return configured;
  const { a = 0, b = 0, c = 0 } = query;
  if (given < 3 || a + b + c !== 100) {
    throw new ApiError(400, 'invalid_abc_thresholds', `a, b and c are percentages given together that add up to 100, got ${query.a}/${query.b}/${query.c}`);
  }
  return { a, b, c };
}

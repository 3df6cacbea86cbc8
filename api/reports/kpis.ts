import type { Knex } from 'knex';
import { daysOnHand, gmroi, grossMargin, inventoryTurnover, percentOf, sellThrough, unitAccuracy } from '../../domain/kpis';
import type { ReportFilter } from './filters';
import type { Interval } from './intervals';
import { inventoryBuckets, stockOutDays } from './kpi-inventory';
import { orderBuckets } from './kpi-orders';
import { carrierFigures, countFigures, returnFigures } from './kpi-period';
import { salesRows } from './sales';

const NO_HOURS = { p50: null, p90: null };

/**
 * The KPI report: a time series (one point per day, week or month the period touches) of the stock,
 * sales and order KPIs, and over the whole period stock-out days, returns, count accuracy and carrier
 * punctuality. Every count and sum comes from SQL over the ledger and order tables at request time;
 * the ratios are the formulas of domain/kpis.ts over them.
 */
export async function kpiReport(db: Knex, filter: ReportFilter, interval: Interval, slaHours: number) {
  const [stock, sales, orders, stockOuts, returns, counts, carriers] = await Promise.all([
    inventoryBuckets(db, filter, interval),
    salesRows(db, filter, 'period', interval),
    orderBuckets(db, filter, interval, slaHours),
    stockOutDays(db, filter),
    returnFigures(db, filter),
    countFigures(db, filter),
    carrierFigures(db, filter),
  ]);
  const salesOf = new Map(sales.map((row) => [row.key, row]));
  const series = stock.map((point) => {
    const sold = salesOf.get(point.bucket) ?? { units: 0, revenueCents: 0, cogsCents: 0 };
    const order = orders.get(point.bucket) ?? {};
    const margin = grossMargin(sold.revenueCents, sold.cogsCents);
    const count = (value: number | undefined) => value ?? 0;
    return {
      period: point.bucket,
      days: point.days,
      revenueCents: sold.revenueCents,
      cogsCents: sold.cogsCents,
      grossMarginCents: margin.marginCents,
      averageInventoryValueCents: point.averageValueCents,
      inventoryTurnover: inventoryTurnover(sold.cogsCents, point.averageValueCents),
      daysOnHand: daysOnHand(point.averageValueCents, sold.cogsCents, point.days),
      openingUnits: point.openingUnits,
      unitsReceived: point.receivedUnits,
      unitsShipped: point.shippedUnits,
      sellThroughPercent: sellThrough(point.shippedUnits, point.openingUnits, point.receivedUnits),
      gmroi: gmroi(margin.marginCents, point.averageValueCents),
      linesSettled: count(order.linesSettled),
      linesFilled: count(order.linesFilled),
      fillRatePercent: percentOf(count(order.linesFilled), count(order.linesSettled)),
      ordersFinished: count(order.ordersFinished),
      ordersPerfect: count(order.ordersPerfect),
      perfectOrderRatePercent: percentOf(count(order.ordersPerfect), count(order.ordersFinished)),
      ordersShipped: count(order.ordersShipped),
      ordersShippedOnTime: count(order.ordersShippedOnTime),
      onTimeShipRatePercent: percentOf(count(order.ordersShippedOnTime), count(order.ordersShipped)),
      createdToShippedHours: order.createdToShippedHours ?? NO_HOURS,
      shippedToDeliveredHours: order.shippedToDeliveredHours ?? NO_HOURS,
      ordersPlaced: count(order.ordersPlaced),
      ordersBackordered: count(order.ordersBackordered),
      backorderRatePercent: percentOf(count(order.ordersBackordered), count(order.ordersPlaced)),
    };
  });
  const returnedUnits = returns.byReason.reduce((sum, reason) => sum + reason.units, 0);
  return {
    series,
    stockOutDays: stockOuts,
    returns: {
      bySku: returns.bySku.map((line) => ({ ...line, returnRatePercent: percentOf(line.unitsReturned, line.unitsShipped) })),
      byReason: returns.byReason.map((line) => ({ ...line, sharePercent: percentOf(line.units, returnedUnits) })),
    },
    inventoryAccuracy: {
      ...counts,
      accuracyPercent: percentOf(counts.exact, counts.tasks),
      unitAccuracyPercent: unitAccuracy(counts.expectedUnits, counts.varianceUnits),
    },
    carriers: carriers.map((line) => ({ ...line, onTimePercent: percentOf(line.onTime, line.delivered) })),
  };
}

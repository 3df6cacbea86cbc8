// KPI tiles: sales and margin from the sales report by period, stock value and dead stock now, and the
// KPI time series of /v1/reports/kpis where the server has it.
import { getJson, getOptional } from './api.js';
import { count, el, money, notAvailable, percent, section, tile } from './ui.js';

const DAY_MS = 86_400_000;
const day = (date) => date.toISOString().slice(0, 10);

/** The period of equal length just before [from, to], as the reports count days (both ends inclusive). */
export function previousPeriod(from, to) {
  const start = new Date(`${from}T00:00:00Z`);
  const days = Math.round((new Date(`${to}T00:00:00Z`) - start) / DAY_MS) + 1;
  return { from: day(new Date(start - days * DAY_MS)), to: day(new Date(start - DAY_MS)) };
}

const changeOf = (now, before) => (before ? ((now - before) / Math.abs(before)) * 100 : null);

export async function overviewPage(filters) {
  const scope = { location: filters.location, channel: filters.channel, sku: filters.sku };
  const [sales, before, valuation, dead, kpis] = await Promise.all([
    getJson('/v1/reports/sales', { from: filters.from, to: filters.to, ...scope, groupBy: 'period', interval: filters.interval }),
    getJson('/v1/reports/sales', { ...previousPeriod(filters.from, filters.to), ...scope, groupBy: 'period', interval: filters.interval }),
    getJson('/v1/reports/valuation', { locationId: filters.location, sku: filters.sku }),
    getJson('/v1/reports/dead-stock', { location: filters.location, sku: filters.sku, days: filters.days }),
    getOptional('/v1/reports/kpis', { from: filters.from, to: filters.to, ...scope, interval: filters.interval }).catch((error) => error),
  ]);
  const labels = sales.rows.map((row) => row.key);
  const trendOf = (field) => ({ labels, values: sales.rows.map((row) => row[field]) });
  const { total } = sales;
  const tiles = [
    tile({ id: 'revenue', label: 'Revenue', value: money(total.revenueCents), change: changeOf(total.revenueCents, before.total.revenueCents), trend: trendOf('revenueCents') }),
    tile({ id: 'cogs', label: 'COGS (FIFO)', value: money(total.cogsCents), change: changeOf(total.cogsCents, before.total.cogsCents), trend: trendOf('cogsCents') }),
    tile({ id: 'margin', label: 'Gross margin', value: money(total.marginCents), change: changeOf(total.marginCents, before.total.marginCents), trend: trendOf('marginCents') }),
    tile({ id: 'margin-percent', label: 'Margin %', value: percent(total.marginPercent), trend: trendOf('marginPercent') }),
    tile({ id: 'units', label: 'Units shipped', value: count(total.units), change: changeOf(total.units, before.total.units), trend: trendOf('units') }),
    tile({ id: 'stock-value', label: 'Stock value now', value: money(valuation.total.valueCents) }),
    tile({ id: 'dead-stock-value', label: `Dead stock (${dead.days} days idle)`, value: money(dead.totalValueCents) }),
  ];
  return [section(`Sales ${sales.from} – ${sales.to}`, el('div', { class: 'tiles' }, tiles)), kpiSection(kpis)];
}

const sumOf = (series, field) => series.reduce((total, point) => total + (point[field] ?? 0), 0);
const ratio = (part, whole, scale = 1) => (whole ? Math.round((part / whole) * scale * 100) / 100 : null);
const figure = (value) => (value === null ? '–' : value.toFixed(2));

/**
 * The KPI report's figures over the whole period, from the sums of its series by the report's own
 * formulas (a rate of the period is not the mean of the rates of its weeks), each with its trend.
 */
export function kpiFigures(report) {
  const { series } = report;
  const days = sumOf(series, 'days');
  // Mean daily inventory value over the period: each point's mean weighted by its days.
  const inventory = days ? series.reduce((total, point) => total + point.averageInventoryValueCents * point.days, 0) / days : 0;
  const cogs = sumOf(series, 'cogsCents');
  const available = (series[0]?.openingUnits ?? 0) + sumOf(series, 'unitsReceived');
  return [
    { id: 'turnover', label: 'Inventory turnover', field: 'inventoryTurnover', value: figure(ratio(cogs, inventory)) },
    { id: 'days-on-hand', label: 'Days on hand', field: 'daysOnHand', value: figure(ratio(inventory * days, cogs)) },
    { id: 'sell-through', label: 'Sell-through', field: 'sellThroughPercent', value: percent(ratio(sumOf(series, 'unitsShipped'), available, 100)) },
    { id: 'gmroi', label: 'GMROI', field: 'gmroi', value: figure(ratio(sumOf(series, 'grossMarginCents'), inventory)) },
    { id: 'fill-rate', label: 'Fill rate', field: 'fillRatePercent', value: percent(ratio(sumOf(series, 'linesFilled'), sumOf(series, 'linesSettled'), 100)) },
    { id: 'perfect-order', label: 'Perfect orders', field: 'perfectOrderRatePercent', value: percent(ratio(sumOf(series, 'ordersPerfect'), sumOf(series, 'ordersFinished'), 100)) },
    { id: 'on-time-ship', label: `Shipped within ${report.slaHours} h`, field: 'onTimeShipRatePercent', value: percent(ratio(sumOf(series, 'ordersShippedOnTime'), sumOf(series, 'ordersShipped'), 100)) },
    { id: 'backorder-rate', label: 'Backorder rate', field: 'backorderRatePercent', value: percent(ratio(sumOf(series, 'ordersBackordered'), sumOf(series, 'ordersPlaced'), 100)) },
  ];
}

function kpiSection(kpis) {
  if (kpis === null) return section('KPIs', notAvailable('KPI time series'));
  if (kpis instanceof Error) return section('KPIs', el('p', { class: 'error' }, kpis.message));
  const labels = kpis.series.map((point) => point.period);
  const tiles = kpiFigures(kpis).map(({ id, label, field, value }) =>
    tile({ id: `kpi-${id}`, label, value, trend: { labels, values: kpis.series.map((point) => point[field]) } }),
  );
  tiles.push(tile({ id: 'kpi-inventory-accuracy', label: 'Count accuracy', value: percent(kpis.inventoryAccuracy?.accuracyPercent ?? null) }));
  return section(`KPIs by ${kpis.interval}`, el('div', { class: 'tiles' }, tiles));
}

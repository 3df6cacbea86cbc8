// Stock by location (low stock highlighted) and dead stock with its value by age.
import { getAllPages, getJson } from './api.js';
import { chartBox, count, drawChart, el, money, section, table } from './ui.js';

/** Reorder points per "sku@location" from the replenishment plan, where one is planned; none is fine. */
async function reorderPoints(filters) {
  try {
    const plan = await getJson('/v1/replenishment/suggestions', { locationId: filters.location, sku: filters.sku, all: true });
    return new Map(plan.data.map((row) => [`${row.sku}@${row.locationId}`, row.why?.reorderPoint]));
  } catch {
    return new Map();
  }
}

export async function stockPage(filters) {
  const [levels, points] = await Promise.all([getAllPages('/v1/inventory/levels', { locationId: filters.location, sku: filters.sku }), reorderPoints(filters)]);
  const threshold = Number(filters.lowStock ?? 0);
  const rows = levels.map((level) => {
    const reorderPoint = points.get(`${level.sku}@${level.locationId}`) ?? null;
    // Low: available at or under the reorder point where one is planned, else under the threshold chosen above.
    return { ...level, reorderPoint, low: level.available <= (reorderPoint ?? threshold) };
  });
  const locations = [...new Set(rows.map((row) => row.locationId))];
  const sum = (locationId, field) => rows.filter((row) => row.locationId === locationId).reduce((total, row) => total + row[field], 0);
  const { box, canvas } = chartBox('Stock by location');
  queueMicrotask(() =>
    drawChart('stockByLocation', canvas, {
      type: 'bar',
      data: {
        labels: locations,
        datasets: [
          { label: 'Available', data: locations.map((id) => sum(id, 'available')), backgroundColor: '#2563eb' },
          { label: 'Reserved', data: locations.map((id) => sum(id, 'reserved')), backgroundColor: '#f59e0b' },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
    }),
  );
  const lowCount = rows.filter((row) => row.low).length;
  return [
    section('Stock by location', box),
    section(
      `Levels (${lowCount} low)`,
      table({
        id: 'stock-levels',
        rows,
        rowClass: (row) => (row.low ? 'low' : ''),
        columns: [
          { key: 'sku', label: 'SKU' },
          { key: 'locationId', label: 'Location', csvName: 'location_id' },
          { key: 'onHand', label: 'On hand', numeric: true, csvName: 'on_hand' },
          { key: 'reserved', label: 'Reserved', numeric: true },
          { key: 'available', label: 'Available', numeric: true },
          { key: 'inTransit', label: 'In transit', numeric: true, csvName: 'in_transit' },
          { key: 'incoming', label: 'Incoming', numeric: true },
          { key: 'reorderPoint', label: 'Reorder point', numeric: true, csvName: 'reorder_point', render: (row) => count(row.reorderPoint) },
          { key: 'low', label: 'Low', render: (row) => (row.low ? 'low' : '') },
        ],
      }),
    ),
  ];
}

const AGES = [
  ['days0to30', '0–30 d'],
  ['days31to90', '31–90 d'],
  ['days91to180', '91–180 d'],
  ['over180', '> 180 d'],
];

export async function deadStockPage(filters) {
  const params = { days: filters.days, location: filters.location, sku: filters.sku };
  const report = await getJson('/v1/reports/dead-stock', params);
  const rows = report.lines.map((line) => ({ ...line, ...Object.fromEntries(AGES.map(([key]) => [`value_${key}`, line.ages[key].valueCents])) }));
  const { box, canvas } = chartBox('Dead stock value by age');
  queueMicrotask(() =>
    drawChart('deadStockAges', canvas, {
      type: 'bar',
      data: {
        labels: AGES.map(([, label]) => label),
        datasets: [{ label: 'Value', data: AGES.map(([key]) => report.lines.reduce((total, line) => total + line.ages[key].valueCents, 0) / 100), backgroundColor: '#dc2626' }],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
    }),
  );
  return [
    section(`Dead stock: nothing out for ${report.days} days — ${money(report.totalValueCents)}`, box),
    section(
      'Dead stock lines',
      table({
        id: 'dead-stock',
        rows,
        csv: { path: '/v1/reports/dead-stock', params },
        columns: [
          { key: 'sku', label: 'SKU' },
          { key: 'locationId', label: 'Location' },
          { key: 'units', label: 'Units', numeric: true },
          { key: 'valueCents', label: 'Value', numeric: true, render: (row) => money(row.valueCents) },
          { key: 'lastOutboundAt', label: 'Last out', render: (row) => row.lastOutboundAt?.slice(0, 10) ?? 'never' },
          { key: 'idleDays', label: 'Idle days', numeric: true },
          ...AGES.map(([key, label]) => ({ key: `value_${key}`, label: `Value ${label}`, numeric: true, render: (row) => money(row[`value_${key}`]) })),
        ],
      }),
    ),
  ];
}

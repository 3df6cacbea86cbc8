// Where orders stand (each status opens the Temporal Web UI filtered to it), why goods come back, and
// which purchase orders are late.
import { getJson } from './api.js';
import { chartBox, count, drawChart, el, money, section, table } from './ui.js';

export async function pipelinePage(filters) {
  const params = { channel: filters.channel };
  const report = await getJson('/v1/reports/order-pipeline', params);
  const { box, canvas } = chartBox('Orders per status');
  queueMicrotask(() =>
    drawChart('orderPipeline', canvas, {
      type: 'bar',
      data: { labels: report.statuses.map((row) => row.status), datasets: [{ label: 'Orders', data: report.statuses.map((row) => row.count), backgroundColor: '#2563eb' }] },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );
  const statusLink = (row) => el('a', { href: row.temporalUrl, target: '_blank', rel: 'noopener noreferrer', 'data-status': row.status }, row.status);
  return [
    section(`Order pipeline — ${count(report.total)} orders${report.channel ? ` on ${report.channel}` : ''}`, box),
    section(
      'Per status (opens the Temporal Web UI)',
      table({
        id: 'order-pipeline',
        rows: report.statuses,
        csv: { path: '/v1/reports/order-pipeline', params },
        columns: [
          { key: 'status', label: 'Status', render: statusLink },
          { key: 'count', label: 'Orders', numeric: true },
        ],
      }),
    ),
  ];
}

export async function returnsPage(filters) {
  const params = { from: filters.from, to: filters.to, location: filters.location, channel: filters.channel, sku: filters.sku };
  const report = await getJson('/v1/reports/returns-by-reason', params);
  const { box, canvas } = chartBox('Returns by reason');
  queueMicrotask(() =>
    drawChart('returnsByReason', canvas, {
      type: 'bar',
      data: { labels: report.reasons.map((row) => row.reason), datasets: [{ label: 'Units', data: report.reasons.map((row) => row.units), backgroundColor: '#7c3aed' }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );
  return [
    section(`Returns ${report.from} – ${report.to} — ${count(report.totalUnits)} units`, box),
    section(
      'By reason',
      table({
        id: 'returns-by-reason',
        rows: report.reasons,
        csv: { path: '/v1/reports/returns-by-reason', params },
        columns: [
          { key: 'reason', label: 'Reason' },
          { key: 'returns', label: 'Returns', numeric: true },
          { key: 'units', label: 'Units', numeric: true },
          { key: 'valueCents', label: 'Value', numeric: true, render: (row) => money(row.valueCents) },
        ],
      }),
    ),
  ];
}

export async function latePurchaseOrdersPage(filters) {
  const params = { location: filters.location };
  const report = await getJson('/v1/reports/late-purchase-orders', params);
  return [
    section(
      `Late purchase orders — ${report.data.length}`,
      table({
        id: 'late-purchase-orders',
        rows: report.data,
        csv: { path: '/v1/reports/late-purchase-orders', params },
        columns: [
          { key: 'id', label: 'PO' },
          { key: 'supplierName', label: 'Supplier' },
          { key: 'locationId', label: 'Location' },
          { key: 'status', label: 'Status' },
          { key: 'expectedAt', label: 'Expected', render: (row) => row.expectedAt.slice(0, 10) },
          { key: 'daysLate', label: 'Days late', numeric: true },
          { key: 'unitsOutstanding', label: 'Units due', numeric: true },
          { key: 'outstandingValueCents', label: 'Value due', numeric: true, render: (row) => money(row.outstandingValueCents) },
        ],
      }),
    ),
  ];
}

// The ABC Pareto chart and the forecast of one SKU.
import { getJson, getOptional } from './api.js';
import { chartBox, count, drawChart, el, money, notAvailable, percent, section, table } from './ui.js';

const CLASS_COLOURS = { A: '#16a34a', B: '#f59e0b', C: '#9ca3af' };

export async function abcPage(filters) {
  const params = { from: filters.from, to: filters.to, location: filters.location, channel: filters.channel, sku: filters.sku };
  const report = await getJson('/v1/reports/abc', params);
  const { box, canvas } = chartBox('ABC Pareto chart', true);
  queueMicrotask(() =>
    drawChart('abcPareto', canvas, {
      data: {
        labels: report.lines.map((line) => line.sku),
        datasets: [
          {
            type: 'bar',
            label: 'Value shipped',
            data: report.lines.map((line) => line.valueCents / 100),
            backgroundColor: report.lines.map((line) => CLASS_COLOURS[line.class]),
            yAxisID: 'value',
            order: 2,
          },
          { type: 'line', label: 'Cumulative share %', data: report.lines.map((line) => line.cumulativeSharePercent), borderColor: '#111827', yAxisID: 'share', order: 1 },
        ],
      },
      options: {
        scales: {
          value: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'value' } },
          share: { type: 'linear', position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: '%' } },
        },
      },
    }),
  );
  const { a, b, c } = report.thresholds;
  return [
    section(`ABC by value shipped ${report.from} – ${report.to} (${a}/${b}/${c}) — ${money(report.totalValueCents)}`, box),
    section(
      'Classes',
      table({
        id: 'abc',
        rows: report.lines,
        csv: { path: '/v1/reports/abc', params },
        rowClass: (line) => `class-${line.class}`,
        columns: [
          { key: 'sku', label: 'SKU' },
          { key: 'units', label: 'Units', numeric: true },
          { key: 'valueCents', label: 'Value', numeric: true, render: (line) => money(line.valueCents) },
          { key: 'sharePercent', label: 'Share', numeric: true, render: (line) => percent(line.sharePercent) },
          { key: 'cumulativeSharePercent', label: 'Cumulative', numeric: true, render: (line) => percent(line.cumulativeSharePercent) },
          { key: 'class', label: 'Class' },
          { key: 'previousClass', label: 'Before' },
        ],
      }),
    ),
  ];
}

export async function forecastPage(filters) {
  if (!filters.sku) return [section('Forecast', el('p', {}, 'Choose a SKU above to see its history, forecast, interval and reorder point.'))];
  const path = `/v1/forecasts/${encodeURIComponent(filters.sku)}`;
  const params = { location: filters.location, horizon: filters.horizon };
  const forecast = await getOptional(path, params);
  if (!forecast) return [section(`Forecast of ${filters.sku}`, notAvailable('Forecast'))];
  const history = forecast.history ?? [];
  const daily = forecast.daily ?? [];
  const labels = [...history.map((point) => point.date), ...daily.map((point) => point.date)];
  // Each series spans the whole axis, empty where it has no point.
  const pad = (before, values, after = 0) => [...Array(before).fill(null), ...values, ...Array(after).fill(null)];
  const ahead = (field) => pad(history.length, daily.map((point) => point[field]));
  const { box, canvas } = chartBox(`Forecast of ${filters.sku}`, true);
  queueMicrotask(() =>
    drawChart('forecast', canvas, {
      type: 'line',
      data: {
        labels,
        datasets: [
          { label: 'History', data: pad(0, history.map((point) => point.units), daily.length), borderColor: '#111827', pointRadius: 0 },
          { label: 'Forecast', data: ahead('mean'), borderColor: '#2563eb', pointRadius: 0 },
          { label: 'Low', data: ahead('low'), borderColor: 'rgba(37,99,235,0.3)', pointRadius: 0, fill: false },
          { label: 'High', data: ahead('high'), borderColor: 'rgba(37,99,235,0.3)', backgroundColor: 'rgba(37,99,235,0.15)', pointRadius: 0, fill: '-1' },
          { label: 'Reorder point', data: labels.map(() => forecast.reorderPoint ?? null), borderColor: '#dc2626', borderDash: [6, 4], pointRadius: 0 },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    }),
  );
  return [
    section(`Forecast of ${filters.sku} — reorder point ${count(forecast.reorderPoint)}`, box),
    section(
      'Daily forecast',
      table({
        id: 'forecast',
        rows: daily,
        csv: { path, params },
        columns: [
          { key: 'date', label: 'Date' },
          { key: 'mean', label: 'Forecast', numeric: true },
          { key: 'low', label: 'Low', numeric: true },
          { key: 'high', label: 'High', numeric: true },
        ],
      }),
    ),
  ];
}

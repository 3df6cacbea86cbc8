// Small DOM helpers shared by the pages: elements, numbers, tables with their CSV export, charts.
import { ApiFailure, getCsv } from './api.js';

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const money = (cents) => (cents === null || cents === undefined ? '–' : (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
export const count = (value) => (value === null || value === undefined ? '–' : Number(value).toLocaleString('en-US'));
export const percent = (value) => (value === null || value === undefined ? '–' : `${Number(value).toFixed(2)} %`);

export const section = (title, ...children) => el('section', { class: 'card' }, el('h2', {}, title), ...children);
export const notAvailable = (what) => el('p', { class: 'not-available', 'data-not-available': what }, `${what}: not available on this server yet.`);

/** A KPI tile: the figure, how it moved against the period before, and a trend line. */
export function tile({ id, label, value, change, trend }) {
  const canvas = trend ? el('canvas', { class: 'sparkline', 'aria-label': `${label} trend` }) : null;
  const node = el(
    'div',
    { class: 'tile', 'data-kpi': id },
    el('span', { class: 'tile-label' }, label),
    el('strong', { class: 'tile-value' }, value),
    change === undefined ? null : el('span', { class: `tile-change ${change === null ? '' : change >= 0 ? 'up' : 'down'}` }, changeText(change)),
    canvas,
  );
  if (canvas) {
    queueMicrotask(() =>
      drawChart(`trend-${id}`, canvas, {
        type: 'line',
        data: { labels: trend.labels, datasets: [{ label, data: trend.values, borderColor: '#2563eb', pointRadius: 0, tension: 0.3 }] },
        options: { plugins: { legend: { display: false }, tooltip: { enabled: true } }, scales: { x: { display: false }, y: { display: false } } },
      }),
    );
  }
  return node;
}

const changeText = (change) => (change === null ? 'no earlier figure' : `${change >= 0 ? '▲' : '▼'} ${Math.abs(change).toFixed(1)} % vs previous period`);

/**
 * A table of rows with a CSV download. The CSV is the API's own (`Accept: text/csv`) where the route has
 * one, so the file holds exactly what the API serves; otherwise it is written here from the same rows.
 */
export function table({ id, columns, rows, csv, rowClass }) {
  const head = el('tr', {}, columns.map((column) => el('th', { scope: 'col', class: column.numeric ? 'num' : '' }, column.label)));
  const body = rows.map((row) =>
    el('tr', { class: rowClass?.(row) }, columns.map((column) => el('td', { class: column.numeric ? 'num' : '' }, column.render ? column.render(row) : row[column.key]))),
  );
  const button = el('button', { type: 'button', class: 'csv', 'data-csv': id, onclick: () => downloadCsv(id, columns, rows, csv) }, 'Export CSV');
  return el(
    'div',
    { class: 'table-block' },
    el('div', { class: 'table-tools' }, el('span', {}, `${rows.length} rows`), button),
    el('div', { class: 'table-scroll' }, el('table', { 'data-table': id }, el('thead', {}, head), el('tbody', {}, body))),
  );
}

async function downloadCsv(id, columns, rows, csv) {
  const text = (csv && (await apiCsv(csv))) ?? localCsv(columns, rows);
  const link = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: `${id}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** The route's own CSV; null when it has none (answers JSON, or refuses text/csv with 406). */
async function apiCsv({ path, params }) {
  try {
    return await getCsv(path, params);
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 406) return null;
    throw error;
  }
}

const csvField = (value) => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

function localCsv(columns, rows) {
  const lines = [columns.map((column) => csvField(column.csvName ?? column.key)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvField(row[column.key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Every chart the page shows, by name, so people (and tests) can read what is drawn. */
window.__charts = window.__charts ?? {};

export function drawChart(name, canvas, config) {
  window.__charts[name]?.destroy();
  const chart = new window.Chart(canvas, { ...config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
  window.__charts[name] = chart;
  return chart;
}

/** A canvas in a sized box (Chart.js sizes itself to its parent). */
export const chartBox = (label, tall = false) => {
  const canvas = el('canvas', { 'aria-label': label, role: 'img' });
  return { box: el('div', { class: tall ? 'chart tall' : 'chart' }, canvas), canvas };
};

// The dashboard shell: sign-in once per browser session, one tab per page, and the filters each page takes.
import { ApiFailure, forgetKey, getAllPages, getJson, storedKey, storeKey } from './api.js';
import { abcPage, forecastPage } from './page-analysis.js';
import { latePurchaseOrdersPage, pipelinePage, returnsPage } from './page-operations.js';
import { overviewPage } from './page-overview.js';
import { deadStockPage, stockPage } from './page-stock.js';
import { el } from './ui.js';

const PERIOD = ['from', 'to'];
const PAGES = [
  { id: 'overview', title: 'KPIs', render: overviewPage, filters: [...PERIOD, 'interval', 'location', 'channel', 'sku', 'days'] },
  { id: 'stock', title: 'Stock', render: stockPage, filters: ['location', 'sku', 'lowStock'] },
  { id: 'abc', title: 'ABC', render: abcPage, filters: [...PERIOD, 'location', 'channel', 'sku'] },
  { id: 'dead-stock', title: 'Dead stock', render: deadStockPage, filters: ['location', 'sku', 'days'] },
  { id: 'forecast', title: 'Forecast', render: forecastPage, filters: ['sku', 'location', 'horizon'] },
  { id: 'pipeline', title: 'Orders', render: pipelinePage, filters: ['channel'] },
  { id: 'returns', title: 'Returns', render: returnsPage, filters: [...PERIOD, 'location', 'channel', 'sku'] },
  { id: 'late-pos', title: 'Late POs', render: latePurchaseOrdersPage, filters: ['location'] },
];

const $ = (id) => document.getElementById(id);
const filtersForm = $('filters');
const currentPage = () => PAGES.find((page) => `#${page.id}` === location.hash) ?? PAGES[0];

function defaultPeriod() {
  const to = new Date();
  filtersForm.elements.to.value ||= to.toISOString().slice(0, 10);
  filtersForm.elements.from.value ||= new Date(to.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
}

/** The filters the page takes, as set in the form. */
function filtersOf(page) {
  return Object.fromEntries(page.filters.map((name) => [name, filtersForm.elements[name].value.trim()]));
}

async function show() {
  const page = currentPage();
  for (const link of $('tabs').querySelectorAll('a')) link.setAttribute('aria-current', link.dataset.page === page.id ? 'page' : 'false');
  for (const label of filtersForm.querySelectorAll('[data-filter]')) label.hidden = !page.filters.includes(label.dataset.filter);
  const status = $('status');
  status.textContent = 'Loading…';
  status.className = 'status';
  document.body.dataset.ready = 'false';
  try {
    $('page').replaceChildren(...(await page.render(filtersOf(page))));
    status.textContent = '';
  } catch (error) {
    $('page').replaceChildren();
    status.textContent = error instanceof ApiFailure ? `${error.message} (${error.code})` : String(error.message ?? error);
    status.className = 'status error';
    status.dataset.code = error.code ?? '';
  } finally {
    document.body.dataset.page = page.id;
    document.body.dataset.ready = 'true';
  }
}

async function loadLocations() {
  const locations = await getAllPages('/v1/locations', {}).catch(() => []);
  $('locations').replaceChildren(...locations.map((location) => el('option', { value: location.id }, location.name)));
}

function signedIn() {
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  loadLocations();
  show();
}

function signedOut() {
  forgetKey();
  $('app').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('api-key').focus();
}

$('tabs').append(...PAGES.map((page) => el('a', { href: `#${page.id}`, 'data-page': page.id }, page.title)));
defaultPeriod();
window.addEventListener('hashchange', () => storedKey() && show());
window.addEventListener('dashboard:signed-out', signedOut);
filtersForm.addEventListener('submit', (event) => {
  event.preventDefault();
  show();
});
$('sign-out').addEventListener('click', signedOut);
$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = $('api-key').value.trim();
  try {
    // Checked against an ops route before it is kept: a wrong key or role is told at once.
    await getJson('/v1/reports/order-pipeline', {}, key);
    storeKey(key);
    $('api-key').value = '';
    $('sign-in-error').textContent = '';
    signedIn();
  } catch (error) {
    $('sign-in-error').textContent = error instanceof ApiFailure && [401, 403].includes(error.status) ? 'That key is not a valid ops key.' : String(error.message);
  }
});

if (storedKey()) signedIn();
else signedOut();

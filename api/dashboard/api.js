// The ops API as the dashboard reads it. The key lives in sessionStorage (this tab's session only)
// and travels as an Authorization header: never in a URL, so never in history, logs or referrers.
const KEY = 'oms.dashboard.apiKey';

export const storedKey = () => sessionStorage.getItem(KEY);
export const storeKey = (key) => sessionStorage.setItem(KEY, key);
export const forgetKey = () => sessionStorage.removeItem(KEY);

/** A failed call, with the API's machine-readable code when it gave one. */
export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Query string of the filters that are set; empty values are left out. */
export function queryOf(params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

async function call(path, params, accept, key = storedKey()) {
  const response = await fetch(`${path}${queryOf(params)}`, { headers: { authorization: `Bearer ${key}`, accept } });
  if (response.status === 401) window.dispatchEvent(new Event('dashboard:signed-out'));
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiFailure(response.status, body.code ?? 'http_error', body.message ?? `${path} answered ${response.status}`);
  }
  return response;
}

export const getJson = async (path, params, key) => (await call(path, params, 'application/json', key)).json();

/** The API's own CSV of a report, or null when the route answers JSON only. */
export async function getCsv(path, params) {
  const response = await call(path, params, 'text/csv');
  return /\btext\/csv\b/.test(response.headers.get('content-type') ?? '') ? response.text() : null;
}

/** Every page of a cursor-paged list. */
export async function getAllPages(path, params) {
  const rows = [];
  let cursor;
  do {
    const page = await getJson(path, { ...params, limit: 200, cursor });
    rows.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

/** The JSON of a report, or null when the route does not exist (yet) on this server. */
export async function getOptional(path, params) {
  try {
    return await getJson(path, params);
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return null;
    throw error;
  }
}

import type { Role } from '../infra/api-keys';

/** Who may call a route: API key roles, a carrier's webhook signature, or anyone (health checks). */
export type Access = readonly Role[] | 'signature' | 'open';

/**
 * Every route of the API and who may call it. The auth plugin refuses to start an app with a route
 * missing from this table, so a new route cannot ship without deciding its roles.
 * `ops` may do everything; only `ops` writes the catalog.
 */
export const ROUTE_ACCESS = {
  'GET /health/live': 'open',
  'GET /health/ready': 'open',

  'POST /v1/orders': ['client', 'ops'],
  'GET /v1/orders': ['client', 'ops'],
  'GET /v1/orders/:id': ['client', 'ops'],
  'POST /v1/orders/:id/cancel': ['client', 'ops'],

  'GET /v1/warehouses/:locationId/pick-lists': ['warehouse', 'ops'],
  'GET /v1/shipments/:shipmentId': ['warehouse', 'ops'],
  'POST /v1/shipments/:shipmentId/pick': ['warehouse', 'ops'],
  'POST /v1/shipments/:shipmentId/scans': ['warehouse', 'ops'],
  'POST /v1/shipments/:shipmentId/declare-lost': ['ops'],

  'POST /v1/products': ['ops'],
  'PATCH /v1/products/:sku': ['ops'],
  'GET /v1/products': ['client', 'warehouse', 'ops'],
  'GET /v1/products/:sku': ['client', 'warehouse', 'ops'],
  'GET /v1/products/by-upc/:upc': ['client', 'warehouse', 'ops'],

  'GET /v1/locations': ['warehouse', 'ops'],

  'GET /v1/inventory/levels': ['client', 'warehouse', 'ops'],
  'GET /v1/inventory/movements': ['warehouse', 'ops'],
  'POST /v1/inventory/receipts': ['warehouse', 'ops'],

  'POST /v1/webhooks/carriers/:carrier': 'signature',
} as const satisfies Record<string, Access>;

export function accessFor(method: string, url: string): Access | undefined {
  const key = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  return (ROUTE_ACCESS as Record<string, Access>)[key];
}

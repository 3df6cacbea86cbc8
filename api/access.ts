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
  'GET /v1/health/details': ['ops'],
  // Prometheus metrics: ops only, or open when METRICS_PUBLIC is on (api/plugins/metrics.ts).
  'GET /metrics': ['ops'],

  'POST /v1/orders': ['client', 'ops'],
  'GET /v1/orders': ['client', 'ops'],
  'GET /v1/orders/:id': ['client', 'ops'],
  'POST /v1/orders/:id/cancel': ['client', 'ops'],

  'POST /v1/orders/:id/returns': ['client', 'ops'],
  'GET /v1/returns': ['client', 'warehouse', 'ops'],
  'GET /v1/returns/:id': ['client', 'warehouse', 'ops'],
  'POST /v1/returns/:id/approve': ['ops'],
  'POST /v1/returns/:id/reject': ['ops'],
  'POST /v1/returns/:id/cancel': ['client', 'ops'],
  'POST /v1/returns/:id/receive': ['warehouse', 'ops'],

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
  'PUT /v1/products/:sku/components': ['ops'],
  'GET /v1/products/:sku/components': ['client', 'warehouse', 'ops'],

  'GET /v1/locations': ['warehouse', 'ops'],
  'POST /v1/locations': ['ops'],
  'PATCH /v1/locations/:locationId': ['ops'],
  'POST /v1/locations/:locationId/deactivate': ['ops'],
  'GET /v1/locations/:locationId/bins': ['warehouse', 'ops'],
  'POST /v1/locations/:locationId/bins': ['ops'],
  'PATCH /v1/locations/:locationId/bins/:code': ['ops'],
  'PUT /v1/locations/:locationId/bin-assignments/:sku': ['warehouse', 'ops'],
  'POST /v1/locations/:locationId/bin-moves': ['warehouse', 'ops'],

  'GET /v1/inventory/levels': ['warehouse', 'ops'],
  'GET /v1/inventory/levels/totals': ['warehouse', 'ops'],
  'GET /v1/inventory/availability': ['client', 'warehouse', 'ops'],
  'GET /v1/inventory/movements': ['warehouse', 'ops'],
  'POST /v1/inventory/receipts': ['warehouse', 'ops'],
  'POST /v1/inventory/adjustments': ['warehouse', 'ops'],
  'GET /v1/inventory/adjustments': ['warehouse', 'ops'],
  'GET /v1/inventory/adjustments/:id': ['warehouse', 'ops'],
  'POST /v1/inventory/adjustments/:id/approve': ['ops'],
  'POST /v1/inventory/adjustments/:id/reject': ['ops'],
  'POST /v1/inventory/transfers': ['warehouse', 'ops'],
  'GET /v1/inventory/transfers': ['warehouse', 'ops'],
  'GET /v1/inventory/transfers/:id': ['warehouse', 'ops'],
  'POST /v1/inventory/transfers/:id/cancel': ['warehouse', 'ops'],
  'POST /v1/inventory/transfers/:id/ship': ['warehouse', 'ops'],
  'POST /v1/inventory/transfers/:id/receive': ['warehouse', 'ops'],
  'GET /v1/count-tasks': ['warehouse', 'ops'],
  'POST /v1/count-tasks': ['warehouse', 'ops'],
  'POST /v1/count-tasks/:id/answer': ['warehouse', 'ops'],
  'GET /v1/reports/count-accuracy': ['ops'],

  'GET /v1/reports/valuation': ['ops'],
  'GET /v1/reports/consignment': ['ops'],
  'GET /v1/reports/abc': ['ops'],
  'GET /v1/reports/dead-stock': ['ops'],
  'GET /v1/reports/surplus': ['ops'],
  'GET /v1/reports/sales': ['ops'],
  'GET /v1/reports/kpis': ['ops'],
  'GET /v1/reports/accounting-export': ['ops'],
  'GET /v1/reports/order-pipeline': ['ops'],
  'GET /v1/reports/returns-by-reason': ['ops'],
  'GET /v1/reports/late-purchase-orders': ['ops'],
  // The dashboard's pages are static; their data comes from the ops routes above with the key the person enters.
  'GET /dashboard': 'open',
  'GET /dashboard/:file': 'open',
  'GET /dashboard/vendor/chart.js': 'open',
  'PUT /v1/locations/:locationId/consignment-rule': ['ops'],
  'GET /v1/replenishment/suggestions': ['ops'],
  'GET /v1/forecasts/:sku': ['ops'],
  'POST /v1/planned-events': ['ops'],
  'GET /v1/planned-events': ['ops'],
  'DELETE /v1/planned-events/:id': ['ops'],
  'PUT /v1/replenishment/settings/:locationId/:sku': ['ops'],
  'PUT /v1/replenishment/policies/:locationId': ['ops'],
  'PUT /v1/channels/:id/stock-policy': ['ops'],
  'GET /v1/channels/:id/stock-policy': ['client', 'ops'],
  'GET /v1/channels/:id/availability': ['client', 'ops'],

  'POST /v1/suppliers': ['ops'],
  'GET /v1/suppliers': ['ops'],
  'GET /v1/suppliers/:id': ['ops'],
  'PATCH /v1/suppliers/:id': ['ops'],
  'PUT /v1/channels/:id/feed-rules': ['ops'],
  'PUT /v1/suppliers/:id/products/:sku': ['ops'],
  'GET /v1/suppliers/:id/products': ['ops'],
  'PUT /v1/products/:sku/dropship': ['ops'],
  'DELETE /v1/products/:sku/dropship': ['ops'],
  'GET /v1/dropship-orders': ['ops'],
  'GET /v1/suppliers/:id/payables': ['ops'],
  'POST /v1/purchase-orders': ['ops'],
  'GET /v1/purchase-orders': ['warehouse', 'ops'],
  'GET /v1/purchase-orders/:id': ['warehouse', 'ops'],
  'POST /v1/purchase-orders/:id/approve': ['ops'],
  'POST /v1/purchase-orders/:id/confirm': ['ops'],
  'POST /v1/purchase-orders/:id/receive': ['warehouse', 'ops'],
  'POST /v1/purchase-orders/:id/cancel': ['ops'],
  'POST /v1/purchase-orders/:id/close': ['ops'],
  // The supplier reads its PO through a link carrying the PO's document token, without an API key.
  'GET /v1/purchase-orders/:id/document': 'open',
  'GET /v1/purchase-orders/:id/document.pdf': 'open',

  'POST /v1/webhooks/carriers/:carrier': 'signature',
  'POST /v1/webhooks/suppliers/:supplierId': 'signature',
  'POST /v1/webhooks/dropship/:adapter': 'signature',
  'POST /v1/webhooks/dropship/:adapter/stock': 'signature',

  'POST /v1/webhook-endpoints': ['ops'],
  'GET /v1/webhook-endpoints': ['ops'],
  'GET /v1/webhook-endpoints/:id': ['ops'],
  'POST /v1/webhook-endpoints/:id/deactivate': ['ops'],
  'POST /v1/webhook-endpoints/:id/rotate-secret': ['ops'],
  'GET /v1/webhook-endpoints/:id/deliveries': ['ops'],

  'POST /v1/api-keys': ['ops'],
  'GET /v1/api-keys': ['ops'],
  'PATCH /v1/api-keys/:id': ['ops'],
  'POST /v1/api-keys/:id/revoke': ['ops'],
} as const satisfies Record<string, Access>;

/**
 * What an API key's scope limits on each route: `channel` routes show a client key only its channels'
 * (and, when bound, its customer's) orders and returns; `location` routes show a warehouse key only its
 * locations' pick lists, shipments, stock, movements, receipts and returns to receive;
 * `channel_and_location` routes do both (returns belong to an order and go back to a warehouse);
 * `none` routes are not narrowed (the catalog, health, signed webhooks, ops-only decisions). Anything
 * outside a key's scope is a 404, never a 403. Like ROUTE_ACCESS, the auth plugin refuses to start an
 * app with a route missing from this table.
 */
export type Scope = 'channel' | 'location' | 'channel_and_location' | 'none';

export const ROUTE_SCOPE = {
  'GET /health/live': 'none',
  'GET /health/ready': 'none',
  'GET /v1/health/details': 'none',
  'GET /metrics': 'none',

  'POST /v1/orders': 'channel',
  'GET /v1/orders': 'channel',
  'GET /v1/orders/:id': 'channel',
  'POST /v1/orders/:id/cancel': 'channel',

  'POST /v1/orders/:id/returns': 'channel',
  'GET /v1/returns': 'channel_and_location',
  'GET /v1/returns/:id': 'channel_and_location',
  'POST /v1/returns/:id/approve': 'none',
  'POST /v1/returns/:id/reject': 'none',
  'POST /v1/returns/:id/cancel': 'channel',
  'POST /v1/returns/:id/receive': 'location',

  'GET /v1/warehouses/:locationId/pick-lists': 'location',
  'GET /v1/shipments/:shipmentId': 'location',
  'POST /v1/shipments/:shipmentId/pick': 'location',
  'POST /v1/shipments/:shipmentId/scans': 'location',
  'POST /v1/shipments/:shipmentId/declare-lost': 'location',

  'POST /v1/products': 'none',
  'PATCH /v1/products/:sku': 'none',
  'GET /v1/products': 'none',
  'GET /v1/products/:sku': 'none',
  'GET /v1/products/by-upc/:upc': 'none',
  'PUT /v1/products/:sku/components': 'none',
  'GET /v1/products/:sku/components': 'none',

  'GET /v1/locations': 'location',
  'POST /v1/locations': 'none',
  'PATCH /v1/locations/:locationId': 'location',
  'POST /v1/locations/:locationId/deactivate': 'location',
  'GET /v1/locations/:locationId/bins': 'location',
  'POST /v1/locations/:locationId/bins': 'location',
  'PATCH /v1/locations/:locationId/bins/:code': 'location',
  'PUT /v1/locations/:locationId/bin-assignments/:sku': 'location',
  'POST /v1/locations/:locationId/bin-moves': 'location',

  'GET /v1/inventory/levels': 'location',
  'GET /v1/inventory/levels/totals': 'location',
  'GET /v1/inventory/availability': 'none',
  'GET /v1/inventory/movements': 'location',
  'POST /v1/inventory/receipts': 'location',
  'POST /v1/inventory/adjustments': 'location',
  'GET /v1/inventory/adjustments': 'location',
  'GET /v1/inventory/adjustments/:id': 'location',
  'POST /v1/inventory/adjustments/:id/approve': 'none',
  'POST /v1/inventory/adjustments/:id/reject': 'none',
  // A warehouse key creates and ships from its own locations and receives at its own; it reads either end.
  'POST /v1/inventory/transfers': 'location',
  'GET /v1/inventory/transfers': 'location',
  'GET /v1/inventory/transfers/:id': 'location',
  'POST /v1/inventory/transfers/:id/cancel': 'location',
  'POST /v1/inventory/transfers/:id/ship': 'location',
  'POST /v1/inventory/transfers/:id/receive': 'location',
  'GET /v1/count-tasks': 'location',
  'POST /v1/count-tasks': 'location',
  'POST /v1/count-tasks/:id/answer': 'location',
  'GET /v1/reports/count-accuracy': 'none',

  'GET /v1/reports/valuation': 'none',
  'GET /v1/reports/consignment': 'none',
  'GET /v1/reports/abc': 'none',
  'GET /v1/reports/dead-stock': 'none',
  'GET /v1/reports/surplus': 'none',
  'GET /v1/reports/sales': 'none',
  'GET /v1/reports/kpis': 'none',
  'GET /v1/reports/accounting-export': 'none',
  'GET /v1/reports/order-pipeline': 'none',
  'GET /v1/reports/returns-by-reason': 'none',
  'GET /v1/reports/late-purchase-orders': 'none',
  'GET /dashboard': 'none',
  'GET /dashboard/:file': 'none',
  'GET /dashboard/vendor/chart.js': 'none',
  'PUT /v1/locations/:locationId/consignment-rule': 'none',
  'GET /v1/replenishment/suggestions': 'none',
  'GET /v1/forecasts/:sku': 'none',
  'POST /v1/planned-events': 'none',
  'GET /v1/planned-events': 'none',
  'DELETE /v1/planned-events/:id': 'none',
  'PUT /v1/replenishment/settings/:locationId/:sku': 'none',
  'PUT /v1/replenishment/policies/:locationId': 'none',
  // A client key reads only its own channels' policy and availability.
  'PUT /v1/channels/:id/stock-policy': 'none',
  'GET /v1/channels/:id/stock-policy': 'channel',
  'GET /v1/channels/:id/availability': 'channel',

  'POST /v1/suppliers': 'none',
  'GET /v1/suppliers': 'none',
  'GET /v1/suppliers/:id': 'none',
  'PATCH /v1/suppliers/:id': 'none',
  'PUT /v1/channels/:id/feed-rules': 'none',
  'PUT /v1/suppliers/:id/products/:sku': 'none',
  'GET /v1/suppliers/:id/products': 'none',
  'PUT /v1/products/:sku/dropship': 'none',
  'DELETE /v1/products/:sku/dropship': 'none',
  'GET /v1/dropship-orders': 'none',
  'GET /v1/suppliers/:id/payables': 'none',
  'POST /v1/purchase-orders': 'none',
  // A warehouse key sees and receives the POs of its own locations.
  'GET /v1/purchase-orders': 'location',
  'GET /v1/purchase-orders/:id': 'location',
  'POST /v1/purchase-orders/:id/approve': 'none',
  'POST /v1/purchase-orders/:id/confirm': 'none',
  'POST /v1/purchase-orders/:id/receive': 'location',
  'POST /v1/purchase-orders/:id/cancel': 'none',
  'POST /v1/purchase-orders/:id/close': 'none',
  'GET /v1/purchase-orders/:id/document': 'none',
  'GET /v1/purchase-orders/:id/document.pdf': 'none',

  'POST /v1/webhooks/carriers/:carrier': 'none',
  'POST /v1/webhooks/suppliers/:supplierId': 'none',
  'POST /v1/webhooks/dropship/:adapter': 'none',
  'POST /v1/webhooks/dropship/:adapter/stock': 'none',

  'POST /v1/webhook-endpoints': 'none',
  'GET /v1/webhook-endpoints': 'none',
  'GET /v1/webhook-endpoints/:id': 'none',
  'POST /v1/webhook-endpoints/:id/deactivate': 'none',
  'POST /v1/webhook-endpoints/:id/rotate-secret': 'none',
  'GET /v1/webhook-endpoints/:id/deliveries': 'none',

  'POST /v1/api-keys': 'none',
  'GET /v1/api-keys': 'none',
  'PATCH /v1/api-keys/:id': 'none',
  'POST /v1/api-keys/:id/revoke': 'none',
} as const satisfies Record<string, Scope>;

export function scopeFor(method: string, url: string): Scope | undefined {
  const key = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  return (ROUTE_SCOPE as Record<string, Scope>)[key];
}

export function accessFor(method: string, url: string): Access | undefined {
  const key = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  return (ROUTE_ACCESS as Record<string, Access>)[key];
}

/**
 * Every request and response shape of the HTTP API, as TypeBox schemas: the same objects validate
 * requests, serialize responses and describe the API in OpenAPI.
 */
import { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  BACKORDER_POLICIES,
  CAPTURE_MODES,
  CARRIER_EVENT_STATUSES,
  LOST_RESOLUTIONS,
  ORDER_STATUSES,
  RETURN_STATUSES,
  SHIPMENT_STATUSES,
} from '../domain/types';
import { isIsoDateTime } from './iso-date-time';

FormatRegistry.Set('date-time', isIsoDateTime);

/** Largest amount or quantity a Postgres integer column holds. */
export const MAX_INT = 2_147_483_647;

/** Non-empty text without control characters (which would end up in labels, logs and Postgres). */
export const Text = (maxLength: number, options: { description?: string } = {}) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\x00-\\x1f\\x7f]*$', ...options });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const OneOf = <T extends string>(values: readonly T[]) => Type.Union(values.map((value) => Type.Literal(value)));
export const DateTime = (description?: string) => Type.String({ format: 'date-time', description });
const Cents = (options: { default?: number; description?: string } = {}) =>
  Type.Integer({ minimum: 0, maximum: MAX_INT, ...options });

export const ErrorBody = Type.Object({
  code: Type.String({ description: 'Machine-readable error code, e.g. unknown_sku' }),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
  requestId: Type.Optional(
    Type.String({ description: 'The id of this request (also the x-request-id header); the server log has the details under it' }),
  ),
});
export type ErrorBody = Static<typeof ErrorBody>;
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody };

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Text(200, {
      description:
        'Per API key. A retry with the same key and request (route, path and body) returns the first answer ' +
        'with `idempotency-replayed: true`; the key with another request is refused with 422 ' +
        'idempotency_key_reused. Keys are forgotten after IDEMPOTENCY_KEY_RETENTION_HOURS.',
    }),
  ),
});

export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 }));
export const CursorParam = Type.Optional(Text(400, { description: 'nextCursor of the previous page' }));
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), nextCursor: Nullable(Type.String()) });

// ---------- Orders ----------

/**
 * Text with something besides whitespace in it, and no control characters: checked, not trimmed
 * (what is sent is what is stored). Whitespace, one visible character, then anything: no backtracking.
 */
export const FilledText = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\S\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]*$' });

/** A carrier needs a name, a street, a city, a postal code and a region to print a label. */
export const Address = Type.Object(
  {
    name: FilledText(200),
    line1: FilledText(200),
    line2: Type.Optional(Text(200)),
    city: FilledText(100),
    region: FilledText(100),
    postalCode: FilledText(20),
    country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    phone: Type.Optional(Text(40)),
  },
  { additionalProperties: false },
);

export const CreateOrderBody = Type.Object(
  {
    customerId: Text(128),
    channel: Text(64),
    externalRef: Type.Optional(Text(128)),
    currency: Type.Optional(Type.String({ pattern: '^[A-Za-z]{3}$', default: 'USD' })),
    lines: Type.Array(
      Type.Object(
        { sku: Text(64), quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    shippingAddress: Address,
    shippingCents: Type.Optional(Cents({ default: 0 })),
    backorder: Type.Optional(
      Type.Object(
        {
          policy: Type.Optional(OneOf(BACKORDER_POLICIES)),
          deadline: Type.Optional(DateTime('Default: now + the configured backorder wait')),
        },
        { additionalProperties: false },
      ),
    ),
    payment: Type.Object(
      {
        token: Text(128, { description: "Payment method token, e.g. 'tok_visa'" }),
        captureMode: Type.Optional(OneOf(CAPTURE_MODES)),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const OrderParams = Type.Object({ id: Text(40) });

export const ListOrdersQuery = Type.Object(
  {
    status: Type.Optional(OneOf(ORDER_STATUSES)),
    customerId: Type.Optional(Text(128)),
    channel: Type.Optional(Text(64)),
    createdFrom: Type.Optional(DateTime('Inclusive')),
    createdTo: Type.Optional(DateTime('Exclusive')),
    limit: Limit,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);

const OrderLine = Type.Object({
  lineNo: Type.Integer(),
  sku: Type.String(),
  quantity: Type.Integer(),
  unitPriceCents: Type.Integer(),
  qtyShipped: Type.Integer(),
  qtyCancelled: Type.Integer(),
  qtyLost: Type.Integer({ description: 'Units in parcels that were lost (refunded, or shipped again and counted in qtyShipped)' }),
  qtyReturned: Type.Integer({ description: 'Units received back through returns' }),
  refundedCents: Type.Integer({ description: 'Refunded for this line by returns' }),
});

const OrderFields = {
  id: Type.String(),
  status: OneOf(ORDER_STATUSES),
  failureReason: Nullable(Type.String({ description: 'Why a FAILED order failed, e.g. carrier_refused' })),
  customerId: Type.String(),
  channel: Type.String(),
  externalRef: Nullable(Type.String()),
  currency: Type.String(),
  itemsCents: Type.Integer(),
  shippingCents: Type.Integer(),
  totalCents: Type.Integer(),
  refundedCents: Type.Integer({ description: 'Refunded by returns so far' }),
  backorder: Type.Object({ policy: OneOf(BACKORDER_POLICIES), deadline: Nullable(Type.String()) }),
  captureMode: OneOf(CAPTURE_MODES),
  shippingAddress: Address,
  lines: Type.Array(OrderLine),
  createdAt: Type.String(),
  updatedAt: Type.String(),
};

export const OrderSummary = Type.Object(OrderFields);
export type OrderSummary = Static<typeof OrderSummary>;

export const Order = Type.Object({
  ...OrderFields,
  shipments: Type.Array(
    Type.Object({
      id: Type.String(),
      shipmentNo: Type.Integer(),
      locationId: Nullable(Type.String({ description: 'The warehouse it ships from; null for a dropship shipment' })),
      supplierId: Nullable(Type.String({ description: 'The supplier that ships a dropship shipment' })),
      status: OneOf(SHIPMENT_STATUSES),
      trackingNumber: Nullable(Type.String()),
      labelUrl: Nullable(Type.String()),
      overdue: Type.Boolean(),
      failureReason: Nullable(Type.String({ description: 'Why a FAILED shipment failed' })),
    }),
  ),
  events: Type.Array(Type.Object({ type: Type.String(), detail: Type.Unknown(), at: Type.String() })),
  payments: Type.Array(
    Type.Object({ kind: Type.String(), status: Type.String(), amountCents: Type.Integer(), at: Type.String() }),
  ),
  returns: Type.Array(
    Type.Object({ id: Type.String(), status: OneOf(RETURN_STATUSES), refundedCents: Type.Integer(), createdAt: Type.String() }),
    { description: 'Its returns, oldest first; GET /v1/returns/:id has the detail' },
  ),
});
export type Order = Static<typeof Order>;

/**
 * `live` is the workflow's own answer (its status query), asked only with `?live=true`; null with
 * `liveError` when it cannot answer. Without `?live=true` both are absent and the answer is the
 * Postgres projection alone.
 */
export const Live = {
  live: Type.Optional(
    Type.Unknown({ description: "Only with ?live=true: the workflow's status query result, or null when it cannot answer" }),
  ),
  liveError: Type.Optional(Type.String({ description: 'Only with ?live=true: why `live` is null' })),
};

export const LiveQuery = Type.Object(
  {
    live: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'true: also ask the workflow for its live status (`live`, `liveError`); otherwise the projection alone',
      }),
    ),
  },
  { additionalProperties: false },
);

export const OrderWithLive = Type.Object({ ...Order.properties, ...Live });
export const OrderPage = Page(OrderSummary);

export const CancelOrderBody = Type.Object({ reason: Text(500) }, { additionalProperties: false });

export const CancelResult = Type.Object({
  outcome: OneOf(['cancelled', 'partially_cancelled'] as const),
  status: OneOf(ORDER_STATUSES),
  cancelledShipments: Type.Array(Type.Integer()),
  shippedShipments: Type.Array(Type.Integer()),
  cancelledBackorderUnits: Type.Integer(),
});

// ---------- Warehouse ----------

export const LocationParams = Type.Object({ locationId: Text(32) });
export const ShipmentParams = Type.Object({ shipmentId: Text(48) });

export const PickListQuery = Type.Object(
  { status: Type.Optional(OneOf(['AWAITING_PICK', 'AWAITING_PACK'] as const)), limit: Limit, cursor: CursorParam },
  { additionalProperties: false },
);

const KitComponentLine = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  upc: Type.String(),
  bin: Nullable(Type.String()),
  quantity: Type.Integer({ description: 'Units of the component for the whole line (kits x unitsPerKit)' }),
  unitsPerKit: Type.Integer(),
});

const ShipmentLine = Type.Object({
  lineNo: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  upc: Type.String(),
  bin: Nullable(Type.String()),
  quantity: Type.Integer(),
  components: Type.Optional(
    Type.Array(KitComponentLine, { description: "A kit's line: the kit holds no stock; these are picked, scanned by their UPCs and shipped" }),
  ),
});

export const PickList = Type.Object({
  shipmentId: Type.String(),
  orderId: Type.String(),
  shipmentNo: Type.Integer(),
  status: OneOf(SHIPMENT_STATUSES),
  createdAt: Type.String(),
  lines: Type.Array(ShipmentLine),
});
export const PickListPage = Page(PickList);

export const Shipment = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  shipmentNo: Type.Integer(),
  locationId: Type.String(),
  status: OneOf(SHIPMENT_STATUSES),
  amountCents: Type.Integer(),
  carrier: Nullable(Type.String()),
  service: Nullable(Type.String()),
  trackingNumber: Nullable(Type.String()),
  labelUrl: Nullable(Type.String()),
  overdue: Type.Boolean(),
  failureReason: Nullable(Type.String({ description: 'Why a FAILED shipment failed, e.g. carrier_refused, capture_declined' })),
  lostResolution: Nullable(Type.String({ description: 'LOST: refund or replace' })),
  deliveryDeadline: Nullable(Type.String()),
  pickedAt: Nullable(Type.String()),
  packedAt: Nullable(Type.String()),
  shippedAt: Nullable(Type.String()),
  deliveredAt: Nullable(Type.String()),
  cancelledAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  lines: Type.Array(ShipmentLine),
  trackingEvents: Type.Array(
    Type.Object({
      carrier: Type.String(),
      eventId: Type.String(),
      status: Type.String(),
      description: Nullable(Type.String()),
      occurredAt: Type.String(),
    }),
  ),
});
export type Shipment = Static<typeof Shipment>;
export const ShipmentWithLive = Type.Object({ ...Shipment.properties, ...Live });

export const PickBody = Type.Object({ pickedBy: Type.Optional(Text(120)) }, { additionalProperties: false });
export const ScanBody = Type.Object(
  { upc: Type.String({ pattern: '^[0-9]{12,13}$', description: 'UPC-A or EAN-13' }), scannedBy: Type.Optional(Text(120)) },
  { additionalProperties: false },
);

export const ShipmentView = Type.Object({
  shipmentId: Type.String(),
  orderId: Type.String(),
  shipmentNo: Type.Integer(),
  locationId: Type.String(),
  status: OneOf(SHIPMENT_STATUSES),
  lines: Type.Array(
    Type.Object({
      ...ShipmentLine.properties,
      packed: Type.Integer({ description: 'Units scanned; on a kit line, kits whose every component unit is scanned' }),
      components: Type.Optional(Type.Array(Type.Object({ ...KitComponentLine.properties, packed: Type.Integer() }))),
    }),
  ),
  trackingNumber: Type.Optional(Type.String()),
  labelUrl: Type.Optional(Type.String()),
  overdue: Type.Boolean(),
  failureReason: Type.Optional(Type.String({ description: 'Why a FAILED shipment failed, e.g. carrier_refused' })),
});

export const DeclareLostBody = Type.Object(
  {
    resolution: OneOf(LOST_RESOLUTIONS),
    reason: Type.Optional(Text(200)),
    by: Type.Optional(Text(120)),
  },
  { additionalProperties: false, description: 'refund: give the parcel\'s share back; replace: ship its units again free of charge' },
);

export const ScanResult = Type.Object({
  sku: Type.String(),
  upc: Type.String(),
  packed: Type.Boolean({ description: 'True once every unit of the shipment has been scanned' }),
  remaining: Type.Array(Type.Object({ sku: Type.String(), upc: Type.String(), quantity: Type.Integer() })),
});

// ---------- Products ----------

const Millimetres = Type.Integer({ minimum: 1, maximum: MAX_INT });
const ProductFields = {
  name: Text(200),
  upc: Type.String({ minLength: 1, maxLength: 32, description: 'UPC-A (12 digits) or EAN-13 (13) with a valid check digit' }),
  unitPriceCents: Cents(),
  unitCostCents: Cents(),
  weightGrams: Type.Integer({ minimum: 1, maximum: MAX_INT }),
  lengthMm: Millimetres,
  widthMm: Millimetres,
  heightMm: Millimetres,
  finalSale: Type.Boolean({ description: 'A final-sale product cannot be returned' }),
  returnWindowDays: Nullable(
    Type.Integer({ minimum: 1, maximum: 3650, description: "Days after delivery it may be returned; null: the engine's default" }),
  ),
  holdingCostPercent: Nullable(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 1000,
      description: 'Holding a unit for a year costs this percentage of its unit cost; with orderingCostCents, replenishment orders economic quantities',
    }),
  ),
  orderingCostCents: Nullable(Cents({ description: 'Placing and receiving one purchase order; with holdingCostPercent, replenishment orders economic quantities' })),
};

export const CreateProductBody = Type.Object(
  {
    sku: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'Letters, digits, dot, dash, underscore' }),
    name: ProductFields.name,
    upc: ProductFields.upc,
    unitPriceCents: ProductFields.unitPriceCents,
    unitCostCents: Type.Optional(ProductFields.unitCostCents),
    weightGrams: ProductFields.weightGrams,
    lengthMm: Type.Optional(Millimetres),
    widthMm: Type.Optional(Millimetres),
    heightMm: Type.Optional(Millimetres),
    finalSale: Type.Optional(Type.Boolean({ default: false, description: 'A final-sale product cannot be returned' })),
    returnWindowDays: Type.Optional(ProductFields.returnWindowDays),
    holdingCostPercent: Type.Optional(ProductFields.holdingCostPercent),
    orderingCostCents: Type.Optional(ProductFields.orderingCostCents),
  },
  { additionalProperties: false },
);
export type CreateProductBody = Static<typeof CreateProductBody>;

export const PatchProductBody = Type.Object(
  {
    name: Type.Optional(ProductFields.name),
    upc: Type.Optional(ProductFields.upc),
    unitPriceCents: Type.Optional(ProductFields.unitPriceCents),
    unitCostCents: Type.Optional(ProductFields.unitCostCents),
    weightGrams: Type.Optional(ProductFields.weightGrams),
    lengthMm: Type.Optional(Nullable(Millimetres)),
    widthMm: Type.Optional(Nullable(Millimetres)),
    heightMm: Type.Optional(Nullable(Millimetres)),
    active: Type.Optional(Type.Boolean()),
    finalSale: Type.Optional(ProductFields.finalSale),
    returnWindowDays: Type.Optional(ProductFields.returnWindowDays),
    holdingCostPercent: Type.Optional(ProductFields.holdingCostPercent),
    orderingCostCents: Type.Optional(ProductFields.orderingCostCents),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchProductBody = Static<typeof PatchProductBody>;

export const SkuParams = Type.Object({ sku: Text(64) });
export const UpcParams = Type.Object({ upc: Text(32) });
export const ListProductsQuery = Type.Object(
  { active: Type.Optional(Type.Boolean()), limit: Limit, cursor: CursorParam },
  { additionalProperties: false },
);

export const Product = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  upc: Type.String(),
  unitPriceCents: Type.Integer(),
  unitCostCents: Type.Optional(Type.Integer({ description: 'Omitted for client keys: clients never see unit cost.' })),
  weightGrams: Type.Integer(),
  lengthMm: Nullable(Type.Integer()),
  widthMm: Nullable(Type.Integer()),
  heightMm: Nullable(Type.Integer()),
  active: Type.Boolean(),
  finalSale: ProductFields.finalSale,
  returnWindowDays: ProductFields.returnWindowDays,
  holdingCostPercent: Type.Optional(Nullable(Type.Number({ description: 'Omitted for client keys, like unit cost.' }))),
  orderingCostCents: Type.Optional(Nullable(Type.Integer({ description: 'Omitted for client keys, like unit cost.' }))),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Product = Static<typeof Product>;
export const ProductPage = Page(Product);

// ---------- Locations ----------

const LOCATION_KINDS = ['warehouse', 'store', 'quarantine'] as const;
const FULFILLMENT_MODES = ['manual', 'auto'] as const;
/** Location ids and bin codes: letters, digits, dot, dash, underscore. */
const Code = (maxLength: number, description: string) =>
  Type.String({ pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,${maxLength - 1}}$`, description });
const Priority = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Lower is allocated first' });

export const Location = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: OneOf(LOCATION_KINDS),
  parentLocationId: Nullable(Type.String({ description: 'A quarantine location: the warehouse it belongs to' })),
  fulfillmentMode: OneOf(FULFILLMENT_MODES),
  priority: Type.Integer(),
  address: Type.Unknown({ description: 'The ship-from address of its parcels' }),
  active: Type.Boolean(),
  bins: Type.Array(Type.String(), { description: 'Bin codes in walking order' }),
});
export type Location = Static<typeof Location>;
export const LocationPage = Page(Location);
export const LocationsQuery = Type.Object({ limit: Limit, cursor: CursorParam }, { additionalProperties: false });

export const CreateLocationBody = Type.Object(
  {
    id: Code(32, 'Letters, digits, dot, dash, underscore'),
    name: FilledText(200),
    kind: Type.Optional(OneOf(LOCATION_KINDS)),
    parentLocationId: Type.Optional(Text(32, { description: 'Required for a quarantine location: its warehouse' })),
    fulfillmentMode: OneOf(FULFILLMENT_MODES),
    priority: Type.Optional(Priority),
    address: Address,
  },
  { additionalProperties: false },
);
export type CreateLocationBody = Static<typeof CreateLocationBody>;

export const PatchLocationBody = Type.Object(
  {
    name: Type.Optional(FilledText(200)),
    fulfillmentMode: Type.Optional(OneOf(FULFILLMENT_MODES)),
    priority: Type.Optional(Priority),
    address: Type.Optional(Address),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchLocationBody = Static<typeof PatchLocationBody>;

const BinSequence = Type.Integer({ minimum: 0, maximum: MAX_INT, description: 'Walking order: pick lists visit bins by sequence, then code' });
export const CreateBinBody = Type.Object(
  { code: Code(32, "e.g. 'A-01-03'"), sequence: BinSequence },
  { additionalProperties: false },
);
export const PatchBinBody = Type.Object({ sequence: BinSequence }, { additionalProperties: false });
export const Bin = Type.Object({ locationId: Type.String(), code: Type.String(), sequence: Type.Integer() });
export const BinList = Type.Object({ data: Type.Array(Bin) });
export const BinParams = Type.Object({ locationId: Text(32), code: Text(32) });

export const BinAssignmentParams = Type.Object({ locationId: Text(32), sku: Text(64) });
export const BinAssignmentBody = Type.Object({ bin: Text(32) }, { additionalProperties: false });
export const BinAssignment = Type.Object({ sku: Type.String(), locationId: Type.String(), bin: Type.String() });

export const BinMoveBody = Type.Object(
  { sku: Text(64), toBin: Text(32) },
  { additionalProperties: false, description: "Moves all of the SKU's units at the location to another bin; its pick bin follows" },
);
export const BinMove = Type.Object({
  id: Type.Integer(),
  sku: Type.String(),
  locationId: Type.String(),
  fromBin: Nullable(Type.String()),
  toBin: Type.String(),
  quantity: Type.Integer({ description: 'Units moved: the on hand at the location' }),
  createdAt: Type.String(),
});

// ---------- Inventory ----------

export const LevelsQuery = Type.Object(
  { sku: Type.Optional(Text(64)), locationId: Type.Optional(Text(32)), limit: Limit, cursor: CursorParam },
  { additionalProperties: false },
);

export const InventoryLevel = Type.Object({
  sku: Type.String(),
  locationId: Type.String(),
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer({ description: 'On hand minus reserved; 0 at quarantine and deactivated locations (never allocated)' }),
  inTransit: Type.Integer({ description: 'Shipped here by transfers, not yet received' }),
  incoming: Type.Integer({ description: 'On open purchase orders (0 until purchasing exists)' }),
  bin: Nullable(Type.String()),
});
export type InventoryLevel = Static<typeof InventoryLevel>;
export const LevelPage = Page(InventoryLevel);

export const LevelTotalsQuery = Type.Object(
  { sku: Type.Optional(Text(64)), limit: Limit, cursor: CursorParam },
  { additionalProperties: false },
);
export const LevelTotal = Type.Object({
  sku: Type.String(),
  onHand: Type.Integer(),
  reserved: Type.Integer(),
  available: Type.Integer(),
  inTransit: Type.Integer(),
  incoming: Type.Integer(),
});
export type LevelTotal = Static<typeof LevelTotal>;
export const LevelTotalsPage = Type.Object({
  data: Type.Array(LevelTotal, { description: "Per sku, summed over the locations (a warehouse key's)" }),
  total: Type.Object(
    { onHand: Type.Integer(), reserved: Type.Integer(), available: Type.Integer(), inTransit: Type.Integer(), incoming: Type.Integer() },
    { description: 'Every sku matching the filter, not just this page' },
  ),
  nextCursor: Nullable(Type.String()),
});

export const AvailabilityQuery = Type.Object(
  { sku: Type.Optional(Text(64)), limit: Limit, cursor: CursorParam },
  { additionalProperties: false },
);

export const Availability = Type.Object({
  sku: Type.String(),
  available: Type.Integer({ description: 'On hand minus reserved, summed over every active location except quarantine' }),
});
export const AvailabilityPage = Page(Availability);

export const MovementsQuery = Type.Object(
  {
    sku: Type.Optional(Text(64)),
    locationId: Type.Optional(Text(32)),
    createdFrom: Type.Optional(DateTime('Inclusive')),
    createdTo: Type.Optional(DateTime('Exclusive')),
    limit: Limit,
    cursor: CursorParam,
  },
  {
    additionalProperties: false,
    description: 'With `Accept: text/csv` every matching row is streamed as CSV, newest first (limit and cursor do not apply)',
  },
);
export type MovementsQuery = Static<typeof MovementsQuery>;

export const Movement = Type.Object({
  id: Type.Integer(),
  sku: Type.String(),
  locationId: Type.String(),
  quantity: Type.Integer(),
  kind: Type.String(),
  reasonCode: Nullable(Type.String()),
  referenceType: Type.String(),
  referenceId: Type.String(),
  createdAt: Type.String(),
});
export const MovementPage = Page(Movement);

const ReceiptLine = Type.Object(
  {
    sku: Text(64),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    bin: Type.Optional(Text(32)),
    unitCostCents: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100_000_000, description: "the units' cost (their FIFO layer); default the product's unit cost" }),
    ),
  },
  { additionalProperties: false },
);

export const ReceiptBody = Type.Object(
  {
    locationId: Text(32),
    reference: Type.Optional(Text(128, { description: 'e.g. the supplier delivery note' })),
    owner: Type.Optional(
      Text(64, { description: "consignment: the supplier who still owns these units (valued at zero, owed their unit cost when they ship)" }),
    ),
    lines: Type.Array(ReceiptLine, { minItems: 1, maxItems: 200 }),
  },
  { additionalProperties: false },
);
export type ReceiptBody = Static<typeof ReceiptBody>;

export const Receipt = Type.Object({
  id: Type.String(),
  locationId: Type.String(),
  reference: Nullable(Type.String()),
  owner: Nullable(Type.String()),
  lines: Type.Array(ReceiptLine),
  levels: Type.Array(InventoryLevel),
  createdAt: Type.String(),
});

// ---------- Carrier webhooks ----------

export const CarrierParams = Type.Object({ carrier: Text(32) });
export const CarrierHeaders = Type.Object({
  'x-carrier-timestamp': Type.Optional(Type.String({ description: 'Unix seconds' })),
  'x-carrier-signature': Type.Optional(Type.String({ description: 'v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">' })),
});

export const CarrierEventBody = Type.Object(
  {
    id: Text(128),
    type: Text(64),
    trackingNumber: Text(64),
    status: OneOf(CARRIER_EVENT_STATUSES),
    occurredAt: DateTime(),
    description: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);

export const WebhookResult = Type.Object({
  status: OneOf(['accepted', 'duplicate', 'unmatched', 'ignored'] as const),
  reason: Type.Optional(Type.String()),
});

// ---------- Health ----------

export const HealthStatus = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export const HealthDetails = Type.Object({
  status: OneOf(['ok', 'failed'] as const),
  checks: Type.Record(Type.String(), Type.Object({ status: OneOf(['ok', 'failed'] as const), error: Type.Optional(Type.String()) })),
});

// ---------- API keys (ops) ----------

const KeyScopeFields = {
  channels: Type.Optional(Type.Array(Text(32), { minItems: 1, maxItems: 50, uniqueItems: true })),
  locationIds: Type.Optional(
    Type.Array(Text(32), { minItems: 1, maxItems: 200, uniqueItems: true, description: 'Location ids, or ["*"] for every location' }),
  ),
  customerId: Type.Optional(Text(64)),
  expiresAt: Type.Optional(DateTime('The key is refused from then on')),
};

export const CreateApiKeyBody = Type.Object(
  { name: Text(120), role: OneOf(['client', 'warehouse', 'ops'] as const), ...KeyScopeFields },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

export const RescopeApiKeyBody = Type.Object(KeyScopeFields, { additionalProperties: false, minProperties: 1 });

export const ApiKeyParams = Type.Object({ id: Text(40) });
export const ApiKeysQuery = Type.Object({ limit: Limit, cursor: CursorParam }, { additionalProperties: false });

export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  channels: Nullable(Type.Array(Type.String())),
  locationIds: Nullable(Type.Array(Type.String())),
  customerId: Nullable(Type.String()),
  createdAt: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  expiresAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});
export const ApiKeyPage = Page(ApiKey);
export const CreatedApiKey = Type.Intersect([
  ApiKey,
  Type.Object({ key: Type.String({ description: 'The secret, shown only in this response; only its hash is stored' }) }),
]);

import { Type, type Static } from '@sinclair/typebox';
import { PURCHASE_ORDER_STATUSES } from '../../workflows/purchase-order-definitions';
import { MAX_INT, Nullable, OneOf, Text } from '../schemas';

const Cents = Type.Integer({ minimum: 0, maximum: MAX_INT });
const Quantity = Type.Integer({ minimum: 1, maximum: MAX_INT });
const DateOnly = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

export const SupplierContact = Type.Object(
  { name: Type.Optional(Text(200)), email: Type.Optional(Text(200)), phone: Type.Optional(Text(50)) },
  { additionalProperties: false },
);

const SupplierFields = {
  name: Text(200),
  contact: SupplierContact,
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  leadTimeDays: Type.Integer({ minimum: 0, maximum: 365 }),
  minimumOrderCents: Type.Optional(Cents),
  paymentTerms: Text(100, { description: 'e.g. net 30' }),
};

export const CreateSupplierBody = Type.Object(SupplierFields, { additionalProperties: false });
export type CreateSupplierBody = Static<typeof CreateSupplierBody>;
export const PatchSupplierBody = Type.Object(
  {
    ...Type.Partial(Type.Object(SupplierFields)).properties,
    active: Type.Optional(Type.Boolean()),
    feedMaxAgeMinutes: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 525_600,
          description: 'A stock report older than this stops its dropship products selling at channels that require fresh supplier stock; null: never stale',
        }),
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchSupplierBody = Static<typeof PatchSupplierBody>;

export const Supplier = Type.Object({
  id: Type.String(),
  name: Type.String(),
  contact: SupplierContact,
  currency: Type.String(),
  leadTimeDays: Type.Integer(),
  minimumOrderCents: Type.Integer(),
  paymentTerms: Type.String(),
  active: Type.Boolean(),
  feedMaxAgeMinutes: Nullable(Type.Integer()),
  createdAt: Type.String(),
});
export const CreatedSupplier = Type.Object({
  ...Supplier.properties,
  webhookSecret: Type.String({ description: 'Signs the supplier\'s webhooks (HMAC-SHA256); shown only in this answer' }),
});
export const SupplierParams = Type.Object({ id: Text(40) });
export const SupplierProductParams = Type.Object({ id: Text(40), sku: Text(64) });

const PriceBreak = Type.Object(
  { minQuantity: Quantity, unitCostCents: Cents },
  { additionalProperties: false, description: 'Every unit of an order of at least minQuantity costs unitCostCents' },
);

export const SupplierProductBody = Type.Object(
  {
    supplierSku: Text(64),
    unitCostCents: Cents,
    packSize: Type.Optional(Quantity),
    minimumOrderQuantity: Type.Optional(Quantity),
    preferred: Type.Optional(Type.Boolean({ description: 'The product\'s one preferred supplier: setting it here unsets it elsewhere' })),
    priceBreaks: Type.Optional(
      Type.Array(PriceBreak, {
        maxItems: 20,
        description: 'Cheaper prices for larger orders, replacing any set before (none when absent): min quantities increasing from above 1, unit costs decreasing from unitCostCents',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SupplierProductBody = Static<typeof SupplierProductBody>;
export const SupplierProduct = Type.Object({
  supplierId: Type.String(),
  sku: Type.String(),
  supplierSku: Type.String(),
  unitCostCents: Type.Integer(),
  packSize: Type.Integer(),
  minimumOrderQuantity: Type.Integer(),
  preferred: Type.Boolean(),
  priceBreaks: Type.Array(PriceBreak),
});
export const SupplierProductList = Type.Object({ data: Type.Array(SupplierProduct) });

export const CreatePurchaseOrderBody = Type.Object(
  {
    supplierId: Text(40),
    locationId: Text(32),
    lines: Type.Array(
      Type.Object(
        {
          sku: Text(64),
          quantity: Quantity,
          unitCostCents: Type.Optional(Cents),
          packOverrideReason: Type.Optional(Text(500, { description: 'Orders a quantity off the pack size or under the MOQ anyway' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    submit: Type.Optional(OneOf(['auto', 'approval'] as const)),
    reason: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);
export type CreatePurchaseOrderBody = Static<typeof CreatePurchaseOrderBody>;

export const PurchaseOrder = Type.Object({
  id: Type.String(),
  supplierId: Type.String(),
  locationId: Type.String(),
  status: OneOf(PURCHASE_ORDER_STATUSES),
  submit: Type.String(),
  source: Type.String(),
  reason: Nullable(Type.String()),
  currency: Type.String(),
  receiptTolerancePercent: Type.Integer(),
  expectedAt: Nullable(Type.String()),
  late: Type.Boolean(),
  documentUrl: Nullable(Type.String({ description: 'What the supplier reads (HTML; add .pdf before the query for the PDF); set once submitted' })),
  totalCents: Type.Integer(),
  lines: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      sku: Type.String(),
      supplierSku: Type.String(),
      quantity: Type.Integer(),
      unitCostCents: Type.Integer(),
      packOverrideReason: Nullable(Type.String()),
      confirmedQuantity: Nullable(Type.Integer()),
      confirmedDate: Nullable(Type.String()),
      received: Type.Integer(),
      incoming: Type.Integer({ description: 'Still expected while the PO is open: confirmed (else ordered) - received' }),
    }),
  ),
  timeline: Type.Array(Type.Object({ kind: Type.String(), note: Type.String(), at: Type.String() })),
  createdAt: Type.String(),
  submittedAt: Nullable(Type.String()),
  confirmedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
});
export type PurchaseOrder = Static<typeof PurchaseOrder>;
export const PurchaseOrderParams = Type.Object({ id: Text(40) });
export const PurchaseOrderPage = Type.Object({ data: Type.Array(PurchaseOrder), nextCursor: Nullable(Type.String()) });
export const ListPurchaseOrdersQuery = Type.Object(
  {
    status: Type.Optional(OneOf(PURCHASE_ORDER_STATUSES)),
    supplierId: Type.Optional(Text(40)),
    locationId: Type.Optional(Text(32)),
    late: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Text(200, { description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

const ConfirmedQuantity = Type.Integer({ minimum: 0, maximum: MAX_INT });
const ConfirmLines = Type.Array(
  Type.Object({ sku: Text(64), quantity: ConfirmedQuantity, expectedDate: Type.Optional(DateOnly) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 200 },
);
const SupplierConfirmLines = Type.Array(
  Type.Object({ supplierSku: Text(64), quantity: ConfirmedQuantity, expectedDate: Type.Optional(DateOnly) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 200 },
);
export const ConfirmPurchaseOrderBody = Type.Object(
  { lines: ConfirmLines, expectedAt: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);
export const ReceivePurchaseOrderBody = Type.Object(
  { lines: Type.Array(Type.Object({ sku: Text(64), quantity: Quantity }, { additionalProperties: false }), { minItems: 1, maxItems: 200 }) },
  { additionalProperties: false },
);
export const EndPurchaseOrderBody = Type.Object({ reason: Text(500) }, { additionalProperties: false });
export const EmptyBody = Type.Object({}, { additionalProperties: false });
export const DocumentQuery = Type.Object({ token: Text(64) }, { additionalProperties: false });

/** A supplier's confirmation, signed like carrier webhooks (X-Supplier-Timestamp, X-Supplier-Signature). */
export const SupplierWebhookBody = Type.Object(
  {
    id: Text(100, { description: 'The event id; the same id again changes nothing' }),
    type: Type.Literal('purchase_order.confirmed'),
    purchaseOrderId: Text(40),
    lines: SupplierConfirmLines,
    expectedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type SupplierWebhookBody = Static<typeof SupplierWebhookBody>;

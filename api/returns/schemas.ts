/** Request and response shapes of the returns routes (TypeBox: validation, serialization and OpenAPI). */
import { type Static, Type } from '@sinclair/typebox';
import { RETURN_REASONS, RETURN_STATUSES } from '../../domain/types';
import { CursorParam, DateTime, FilledText, Limit, Live, Nullable, OneOf, Page, Text } from '../schemas';

const Units = Type.Integer({ minimum: 0, maximum: 100_000 });
const LineNo = Type.Integer({ minimum: 1, maximum: 100_000 });

export const CreateReturnBody = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        {
          lineNo: Type.Optional(LineNo),
          sku: Type.Optional(Text(64, { description: 'Instead of lineNo: the order line of this SKU' })),
          quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
          reason: OneOf(RETURN_REASONS),
          note: Type.Optional(FilledText(500)),
          exchangeSku: Type.Optional(Text(64, { description: 'Ship this SKU instead, once the returned unit passes inspection' })),
        },
        { additionalProperties: false, description: 'An order line by lineNo or sku; reason other needs a note' },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    advanceExchange: Type.Optional(
      Type.Boolean({ default: false, description: 'Ship the exchanges at once, before the returned parcel arrives' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateReturnBody = Static<typeof CreateReturnBody>;

export const ReturnParams = Type.Object({ id: Text(40) });

export const ListReturnsQuery = Type.Object(
  {
    status: Type.Optional(OneOf(RETURN_STATUSES)),
    orderId: Type.Optional(Text(40)),
    customerId: Type.Optional(Text(128)),
    locationId: Type.Optional(Text(32, { description: 'The warehouse the parcel goes back to' })),
    createdFrom: Type.Optional(DateTime('Inclusive')),
    createdTo: Type.Optional(DateTime('Exclusive')),
    limit: Limit,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);
export type ListReturnsQuery = Static<typeof ListReturnsQuery>;

export const DecisionBody = Type.Object({ note: Type.Optional(Text(1000)) }, { additionalProperties: false });
export const CancelReturnBody = Type.Object({ reason: Text(500) }, { additionalProperties: false });

export const ReceiveReturnBody = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        { lineNo: LineNo, restock: Units, damaged: Units, scrap: Units },
        { additionalProperties: false, description: 'Units that arrived on this line, by disposition' },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    receivedBy: Type.Optional(Text(120)),
  },
  { additionalProperties: false, description: 'Lines left out arrived with no units; units never received are not refunded' },
);
export type ReceiveReturnBody = Static<typeof ReceiveReturnBody>;

const ReturnLine = Type.Object({
  lineNo: Type.Integer({ description: 'The order line' }),
  sku: Type.String(),
  quantity: Type.Integer(),
  reason: OneOf(RETURN_REASONS),
  note: Nullable(Type.String()),
  unitPriceCents: Type.Integer(),
  exchangeSku: Nullable(Type.String()),
  qtyReceived: Type.Integer(),
  qtyRestocked: Type.Integer(),
  qtyDamaged: Type.Integer(),
  qtyScrapped: Type.Integer(),
  refundedCents: Type.Integer(),
});

const ReturnFields = {
  id: Type.String(),
  orderId: Type.String(),
  customerId: Type.String(),
  channel: Type.String(),
  locationId: Type.String({ description: 'The warehouse the parcel goes back to' }),
  status: OneOf(RETURN_STATUSES),
  currency: Type.String(),
  requestedCents: Type.Integer({ description: 'The requested units at the price paid' }),
  refundedCents: Type.Integer(),
  advanceExchange: Type.Boolean(),
  exchangeOrderId: Nullable(Type.String()),
  carrier: Nullable(Type.String()),
  trackingNumber: Nullable(Type.String()),
  labelUrl: Nullable(Type.String()),
  decidedBy: Nullable(Type.String()),
  decisionNote: Nullable(Type.String()),
  reason: Nullable(Type.String({ description: 'CANCELLED, REJECTED, EXPIRED, FAILED: why' })),
  receivedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  lines: Type.Array(ReturnLine),
};

export const ReturnSummary = Type.Object(ReturnFields);
export type ReturnSummary = Static<typeof ReturnSummary>;
export const ReturnPage = Page(ReturnSummary);

export const Return = Type.Object({
  ...ReturnFields,
  payments: Type.Array(
    Type.Object({ kind: Type.String(), status: Type.String(), amountCents: Type.Integer(), at: Type.String() }),
    { description: 'Refunds (and exchange charges) made for this return' },
  ),
});
export type Return = Static<typeof Return>;
export const ReturnWithLive = Type.Object({ ...Return.properties, ...Live });

const ReceivedLine = Type.Object({ lineNo: Type.Integer(), restock: Type.Integer(), damaged: Type.Integer(), scrap: Type.Integer() });

/** The workflow's own answer to an update: its live state right after the step. */
export const ReturnView = Type.Object({
  returnId: Type.String(),
  orderId: Type.String(),
  status: OneOf(RETURN_STATUSES),
  lines: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      sku: Type.String(),
      quantity: Type.Integer(),
      reason: OneOf(RETURN_REASONS),
      note: Type.Optional(Type.String()),
      unitPriceCents: Type.Integer(),
      exchangeSku: Type.Optional(Type.String()),
      received: Type.Optional(ReceivedLine),
    }),
  ),
  trackingNumber: Type.Optional(Type.String()),
  labelUrl: Type.Optional(Type.String()),
  refundCents: Type.Optional(Type.Integer()),
  exchangeOrderId: Type.Optional(Type.String()),
  decision: Type.Optional(Type.Object({ approved: Type.Boolean(), by: Type.Optional(Type.String()), note: Type.Optional(Type.String()) })),
  reason: Type.Optional(Type.String()),
  timeline: Type.Array(Type.Object({ at: Type.String(), type: Type.String(), detail: Type.Optional(Type.String()) })),
});

import { Type } from '@fastify/type-provider-typebox';
import { AddressSchema } from '../../carriers/sandbox/schemas';
import { DROPSHIP_EVENT_STATUSES, type DropshipEventStatus } from './timetable';

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });

export const DropshipOrderRequestSchema = Type.Object({
  idempotencyKey: Text(200),
  reference: Text(200),
  account: Text(200),
  shipTo: AddressSchema,
  lines: Type.Array(Type.Object({ supplierSku: Text(100), quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }), {
    minItems: 1,
    maxItems: 200,
  }),
});

export const OrderParamsSchema = Type.Object({ supplierOrderId: Type.String({ maxLength: 40 }) });

export const StockParamsSchema = Type.Object({ account: Text(200), supplierSku: Text(100) });
export const StockBodySchema = Type.Object({
  // One type list, not a union: Fastify's type coercion would turn 0 into null (or null into 0) in a union's first branch.
  quantity: Type.Unsafe<number | null>({
    type: ['integer', 'null'],
    minimum: 0,
    maximum: 1_000_000_000,
    description: 'Units the supplier has for the account; null is unlimited.',
  }),
});

export const SandboxEventSchema = Type.Object({
  status: Type.Unsafe<Exclude<DropshipEventStatus, 'shipped'>>({
    type: 'string',
    enum: DROPSHIP_EVENT_STATUSES.filter((status) => status !== 'shipped'),
  }),
  description: Type.Optional(Text(300)),
});

import { Type } from '@fastify/type-provider-typebox';
import { CARRIER_EVENT_STATUSES, type CarrierEventStatus } from '../../domain/types';
import { SANDBOX_MAX_PIECES } from './limits';

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });
// Only plausibility bounds: a parcel over the carrier's limits gets its own refusal (limits.ts).
const Millimetres = Type.Integer({ exclusiveMinimum: 0, maximum: 100_000 });

export const AddressSchema = Type.Object({
  name: Text(200),
  line1: Text(200),
  line2: Type.Optional(Type.String({ maxLength: 200 })),
  city: Text(100),
  // Not every country has regions, so it may be empty.
  region: Type.String({ maxLength: 100 }),
  postalCode: Text(20),
  country: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' }),
  phone: Type.Optional(Type.String({ maxLength: 40 })),
});

export const ParcelSchema = Type.Object({
  weightGrams: Type.Integer({ exclusiveMinimum: 0, maximum: 10_000_000 }),
  lengthMm: Type.Optional(Millimetres),
  widthMm: Type.Optional(Millimetres),
  heightMm: Type.Optional(Millimetres),
});

/** A multi-piece shipment: every parcel travels under one label. */
const ParcelsSchema = Type.Array(ParcelSchema, { minItems: 1, maxItems: SANDBOX_MAX_PIECES });

export const RateRequestSchema = Type.Object({ from: AddressSchema, to: AddressSchema, parcels: ParcelsSchema });

export const LabelRequestSchema = Type.Object({
  from: AddressSchema,
  to: AddressSchema,
  parcels: ParcelsSchema,
  // Checked by the route so an unknown service gets its own error code.
  service: Type.Optional(Type.String()),
  reference: Text(200),
  return: Type.Optional(
    Type.Boolean({
      description:
        'A return label: `from` is the customer, `to` the warehouse. Its parcel goes label_created, ' +
        'picked_up (the customer drops it off), in_transit, delivered (at the warehouse).',
    }),
  ),
});

export const LabelParamsSchema = Type.Object({ labelId: Type.String() });
/** Without a piece, the document has every piece's page. */
export const LabelDocumentQuerySchema = Type.Object({ piece: Type.Optional(Type.Integer({ minimum: 1 })) });
export const TrackingParamsSchema = Type.Object({ trackingNumber: Type.String() });

export const SandboxEventSchema = Type.Object({
  status: Type.Unsafe<CarrierEventStatus>({ type: 'string', enum: [...CARRIER_EVENT_STATUSES] }),
  description: Type.Optional(Text(300)),
});

/** Request and response shapes of the report routes (TypeBox: validation, serialization and OpenAPI). */
import { type Static, Type } from '@sinclair/typebox';
import { CONSIGNMENT_RULES } from '../../domain/fifo';
import { DateTime, OneOf, Text } from '../schemas';

const Units = Type.Integer({ minimum: 0 });
const Cents = Type.Integer({ minimum: 0 });

export const ValuationQuery = Type.Object(
  {
    asOf: Type.Optional(DateTime('Value the stock as it stood at this moment (from the ledger); default now. Not in the future.')),
    sku: Type.Optional(Text(64)),
    locationId: Type.Optional(Text(32)),
  },
  { additionalProperties: false },
);
export type ValuationQuery = Static<typeof ValuationQuery>;

const ValuationFigures = {
  units: Type.Integer({ description: 'Our own units' }),
  valueCents: Type.Integer({ description: 'Our own units at their FIFO layer cost' }),
  consignedUnits: Type.Integer({ description: "Units held for their owners, valued at zero in our books" }),
};

export const Valuation = Type.Object({
  asOf: Type.String(),
  lines: Type.Array(Type.Object({ sku: Type.String(), locationId: Type.String(), ...ValuationFigures })),
  total: Type.Object(ValuationFigures),
  inTransit: Type.Object(
    {
      lines: Type.Array(Type.Object({ sku: Type.String(), ...ValuationFigures })),
      total: Type.Object(ValuationFigures),
    },
    {
      description:
        'Units shipped by transfers and not yet received or written off, at the FIFO cost they left the source with; ' +
        'not in lines or total (they are in no location). locationId filters by destination.',
    },
  ),
});

export const ConsignmentQuery = Type.Object(
  {
    from: Type.Optional(DateTime('Units shipped at or after this moment; default the beginning')),
    to: Type.Optional(DateTime('Units shipped before this moment; default now')),
    ownerId: Type.Optional(Text(64)),
  },
  { additionalProperties: false },
);
export type ConsignmentQuery = Static<typeof ConsignmentQuery>;

const Owed = { units: Units, owedCents: Cents };

export const ConsignmentReport = Type.Object({
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.String(),
  owners: Type.Array(
    Type.Object({ ownerId: Type.String(), ...Owed, skus: Type.Array(Type.Object({ sku: Type.String(), ...Owed })) }),
  ),
  totalOwedCents: Cents,
});

export const ConsignmentRuleBody = Type.Object(
  { rule: OneOf(CONSIGNMENT_RULES) },
  { additionalProperties: false, description: "first: consigned units sell before our own; last: after them. Oldest first within each." },
);

export const ConsignmentRule = Type.Object({ locationId: Type.String(), rule: OneOf(CONSIGNMENT_RULES) });

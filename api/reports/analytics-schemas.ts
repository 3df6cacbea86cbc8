/** Request and response shapes of the analytics reports (TypeBox: validation, serialization and OpenAPI). */
import { type Static, Type } from '@sinclair/typebox';
import { ABC_CLASSES } from '../../domain/abc';
import { OneOf, Text } from '../schemas';
import { INTERVALS } from './intervals';
import { SALES_GROUPS } from './sales';

const Day = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });

/** The filters every report takes (api/reports/filters.ts). */
const Period = {
  from: Type.Optional(Day('First day of the period (UTC, YYYY-MM-DD), inclusive; default 29 days before `to`')),
  to: Type.Optional(Day('Last day of the period (UTC, YYYY-MM-DD), inclusive; default today. At most REPORTS_MAX_RANGE_DAYS days from `from`')),
};
const Location = { location: Type.Optional(Text(32, { description: 'Only this location' })) };
const Channel = { channel: Type.Optional(Text(64, { description: 'Only orders of this sales channel' })) };
const Sku = { sku: Type.Optional(Text(64, { description: 'Only this SKU' })) };

const PeriodEcho = { from: Type.String(), to: Type.String() };
const Percent = Type.Number({ minimum: 0, maximum: 100 });
const AbcClassSchema = OneOf(ABC_CLASSES);

export const AbcQuery = Type.Object(
  {
    ...Period,
    ...Location,
    ...Channel,
    ...Sku,
    a: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: "A's share of value, in percent; with b and c, adding up to 100" })),
    b: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    c: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type AbcQuery = Static<typeof AbcQuery>;

export const AbcReport = Type.Object({
  ...PeriodEcho,
  thresholds: Type.Object({ a: Percent, b: Percent, c: Percent }),
  totalValueCents: Type.Integer(),
  lines: Type.Array(
    Type.Object({
      sku: Type.String(),
      units: Type.Integer(),
      valueCents: Type.Integer({ description: 'FIFO cost of the units shipped in the period' }),
      sharePercent: Type.Number(),
      cumulativeSharePercent: Type.Number(),
      class: AbcClassSchema,
      previousClass: AbcClassSchema,
    }),
  ),
});

const AgeBucket = Type.Object({ units: Type.Integer(), valueCents: Type.Integer() });

export const DeadStockQuery = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'No outbound movement for this many days; default REPORTS_DEAD_STOCK_DAYS (90)' })),
    ...Location,
    ...Sku,
  },
  { additionalProperties: false },
);
export type DeadStockQuery = Static<typeof DeadStockQuery>;

export const DeadStockReport = Type.Object({
  asOf: Type.String(),
  days: Type.Integer(),
  totalValueCents: Type.Integer(),
  lines: Type.Array(
    Type.Object({
      sku: Type.String(),
      locationId: Type.String(),
      units: Type.Integer({ description: 'On hand, our own and consigned units' }),
      valueCents: Type.Integer({ description: 'Our own units at the FIFO cost of the layers they remain in' }),
      consignedUnits: Type.Integer(),
      lastOutboundAt: Type.Union([Type.String(), Type.Null()], { description: 'The last shipment or transfer out; null when nothing ever left' }),
      idleDays: Type.Integer({ description: 'Days since the last outbound movement, or since stock first came in' }),
      ages: Type.Object(
        { days0to30: AgeBucket, days31to90: AgeBucket, days91to180: AgeBucket, over180: AgeBucket },
        { description: 'Remaining units by the receipt date of their layer' },
      ),
    }),
  ),
});

export const SurplusQuery = Type.Object(
  {
    ...Period,
    ...Location,
    ...Sku,
    coverDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Days of demand to keep; default REPORTS_COVER_DAYS (30)' })),
  },
  { additionalProperties: false },
);
export type SurplusQuery = Static<typeof SurplusQuery>;

export const SurplusReport = Type.Object({
  ...PeriodEcho,
  coverDays: Type.Integer(),
  totalValueCents: Type.Integer(),
  lines: Type.Array(
    Type.Object({
      sku: Type.String(),
      locationId: Type.String(),
      onHand: Type.Integer(),
      averageDailyDemand: Type.Number({ description: 'Units shipped less units returned in the period, per day' }),
      coverUnits: Type.Integer({ description: "The nightly forecast's units over coverDays where there is one, else averageDailyDemand x coverDays; rounded up" }),
      demandSource: Type.Union([Type.Literal('forecast'), Type.Literal('average')]),
      surplusUnits: Type.Integer({ description: 'onHand - coverUnits' }),
      surplusValueCents: Type.Integer({ description: 'The surplus units at the cost of the newest layers (FIFO sells the oldest first)' }),
    }),
  ),
});

const SalesFigures = {
  units: Type.Integer(),
  revenueCents: Type.Integer({ description: 'Units shipped x the price of their order line' }),
  cogsCents: Type.Integer({ description: 'FIFO cost of the units shipped (their cost consumptions)' }),
  marginCents: Type.Integer({ description: 'revenueCents - cogsCents' }),
  marginPercent: Type.Union([Type.Number(), Type.Null()], { description: 'marginCents / revenueCents x 100; null without revenue' }),
};

export const SalesQuery = Type.Object(
  {
    ...Period,
    ...Location,
    ...Channel,
    ...Sku,
    groupBy: Type.Optional(OneOf(SALES_GROUPS)),
    interval: Type.Optional({ ...OneOf(INTERVALS), description: 'The length of each period with groupBy=period; default month' }),
  },
  { additionalProperties: false },
);
export type SalesQuery = Static<typeof SalesQuery>;

export const SalesReport = Type.Object({
  ...PeriodEcho,
  groupBy: OneOf(SALES_GROUPS),
  interval: Type.Union([OneOf(INTERVALS), Type.Null()]),
  rows: Type.Array(Type.Object({ key: Type.String({ description: 'The channel, the SKU, or the first day of the period' }), ...SalesFigures })),
  total: Type.Object(SalesFigures),
});

const NullableNumber = (description?: string) => Type.Union([Type.Number(), Type.Null()], { description });
const Hours = Type.Object({ p50: NullableNumber(), p90: NullableNumber() });

export const KpiQuery = Type.Object(
  { ...Period, ...Location, ...Channel, ...Sku, interval: Type.Optional({ ...OneOf(INTERVALS), description: 'One point per day, week (from Monday) or month; default week' }) },
  { additionalProperties: false },
);
export type KpiQuery = Static<typeof KpiQuery>;

export const KpiReport = Type.Object({
  ...PeriodEcho,
  interval: OneOf(INTERVALS),
  slaHours: Type.Integer(),
  series: Type.Array(
    Type.Object({
      period: Type.String({ description: 'First day of the day, week or month (it may start before `from`)' }),
      days: Type.Integer({ description: 'Days of the report period in this point' }),
      revenueCents: Type.Integer(),
      cogsCents: Type.Integer(),
      grossMarginCents: Type.Integer(),
      averageInventoryValueCents: Type.Integer({ description: 'Mean of the daily closing values of our own stock at FIFO cost' }),
      inventoryTurnover: NullableNumber('cogsCents / averageInventoryValueCents'),
      daysOnHand: NullableNumber('averageInventoryValueCents / cogsCents x days'),
      openingUnits: Type.Integer(),
      unitsReceived: Type.Integer(),
      unitsShipped: Type.Integer(),
      sellThroughPercent: NullableNumber('unitsShipped / (openingUnits + unitsReceived) x 100'),
      gmroi: NullableNumber('grossMarginCents / averageInventoryValueCents'),
      linesSettled: Type.Integer(),
      linesFilled: Type.Integer(),
      fillRatePercent: NullableNumber('linesFilled / linesSettled x 100'),
      ordersFinished: Type.Integer(),
      ordersPerfect: Type.Integer(),
      perfectOrderRatePercent: NullableNumber('ordersPerfect / ordersFinished x 100'),
      ordersShipped: Type.Integer(),
      ordersShippedOnTime: Type.Integer(),
      onTimeShipRatePercent: NullableNumber('ordersShippedOnTime / ordersShipped x 100'),
      createdToShippedHours: Hours,
      shippedToDeliveredHours: Hours,
      ordersPlaced: Type.Integer(),
      ordersBackordered: Type.Integer(),
      backorderRatePercent: NullableNumber('ordersBackordered / ordersPlaced x 100'),
    }),
  ),
  stockOutDays: Type.Array(Type.Object({ sku: Type.String(), locationId: Type.String(), days: Type.Integer() })),
  returns: Type.Object({
    bySku: Type.Array(
      Type.Object({ sku: Type.String(), unitsShipped: Type.Integer(), unitsReturned: Type.Integer(), returnRatePercent: NullableNumber() }),
    ),
    byReason: Type.Array(Type.Object({ reason: Type.String(), units: Type.Integer(), sharePercent: NullableNumber() })),
  }),
  inventoryAccuracy: Type.Object({
    tasks: Type.Integer(),
    exact: Type.Integer(),
    expectedUnits: Type.Integer(),
    varianceUnits: Type.Integer(),
    accuracyPercent: NullableNumber('exact / tasks x 100'),
    unitAccuracyPercent: NullableNumber('(1 - varianceUnits / expectedUnits) x 100'),
  }),
  carriers: Type.Array(
    Type.Object({ carrier: Type.String(), service: Type.Union([Type.String(), Type.Null()]), delivered: Type.Integer(), onTime: Type.Integer(), onTimePercent: NullableNumber() }),
  ),
});

export const AccountingExportQuery = Type.Object({ ...Period, ...Location }, { additionalProperties: false });
export type AccountingExportQuery = Static<typeof AccountingExportQuery>;

export const AccountingExport = Type.Object({
  ...PeriodEcho,
  lines: Type.Array(
    Type.Object({
      date: Type.String(),
      journalNo: Type.String({ description: 'Lines with the same number make one balanced journal entry' }),
      account: Type.String(),
      debitCents: Type.Integer(),
      creditCents: Type.Integer(),
      description: Type.String(),
      name: Type.String({ description: 'The consignment owner a consignment payable line is owed to; empty otherwise' }),
    }),
  ),
  totals: Type.Array(Type.Object({ account: Type.String(), debitCents: Type.Integer(), creditCents: Type.Integer() })),
});

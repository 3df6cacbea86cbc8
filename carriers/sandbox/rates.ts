import type { Address } from '../../domain/types';
import type { Parcel, Rate } from '../adapter';

export const SERVICES = ['ground', 'express', 'overnight'] as const;
export type Service = (typeof SERVICES)[number];

export const isService = (value: string): value is Service => (SERVICES as readonly string[]).includes(value);

const TARIFF: Record<Service, { baseCents: number; perHalfKiloCents: number; estimatedDays: number }> = {
  ground: { baseCents: 595, perHalfKiloCents: 85, estimatedDays: 5 },
  express: { baseCents: 1495, perHalfKiloCents: 160, estimatedDays: 2 },
  overnight: { baseCents: 2995, perHalfKiloCents: 260, estimatedDays: 1 },
};

/** Price factor in percent per zone: 1 same postal area, 2 same region of the country, 3 domestic, 4 international. */
const ZONE_PERCENT: Record<Zone, number> = { 1: 100, 2: 115, 3: 130, 4: 220 };
type Zone = 1 | 2 | 3 | 4;

/** Volumetric divisor: a parcel is billed at least 1 kg per 5,000 cm³ (that is 1 g per 5,000 mm³). */
const VOLUMETRIC_MM3_PER_GRAM = 5000;

export function quoteRates(from: Address, to: Address, parcels: Parcel[]): Rate[] {
  return SERVICES.map((service) => quoteRate(service, from, to, parcels));
}

/**
 * Deterministic: the same parcels between the same places always cost the same. A multi-piece
 * shipment costs what its pieces would cost one by one.
 */
export function quoteRate(service: Service, from: Address, to: Address, parcels: Parcel[]): Rate {
  const tariff = TARIFF[service];
  const zonePercent = ZONE_PERCENT[shippingZone(from, to)];
  const costCents = parcels.reduce((sum, parcel) => {
    const halfKilos = Math.ceil(billableGrams(parcel) / 500);
    return sum + Math.round(((tariff.baseCents + tariff.perHalfKiloCents * halfKilos) * zonePercent) / 100);
  }, 0);
  return { service, costCents, currency: 'USD', estimatedDays: tariff.estimatedDays };
}

export function shippingZone(from: Address, to: Address): Zone {
  if (normalized(from.country) !== normalized(to.country)) return 4;
  const fromPostal = normalized(from.postalCode);
  const toPostal = normalized(to.postalCode);
  if (fromPostal.slice(0, 3) === toPostal.slice(0, 3)) return 1;
  if (fromPostal[0] === toPostal[0]) return 2;
  return 3;
}

function billableGrams(parcel: Parcel): number {
  const { lengthMm, widthMm, heightMm } = parcel;
  const volumetric = lengthMm && widthMm && heightMm ? (lengthMm * widthMm * heightMm) / VOLUMETRIC_MM3_PER_GRAM : 0;
  return Math.max(parcel.weightGrams, volumetric);
}

const normalized = (value: string): string => value.replace(/[^0-9a-z]/gi, '').toUpperCase();

import type { ParcelLimits } from '../../domain/packing';

/**
 * What one sandbox parcel may weigh and measure, like a typical parcel carrier's published limits.
 * The carrier service refuses a label for a bigger parcel, and the engine's adapter publishes the
 * same numbers so the engine packs within them and refuses at intake what can never ship.
 */
export const SANDBOX_PARCEL_LIMITS: ParcelLimits = Object.freeze({
  maxWeightGrams: 30_000,
  maxLengthMm: 1_200,
  maxLengthPlusGirthMm: 3_000,
});

/** Parcels in one multi-piece label. */
export const SANDBOX_MAX_PIECES = 200;

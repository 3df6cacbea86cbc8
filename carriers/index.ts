import type { ParcelLimits } from '../domain/packing';
import { SANDBOX_PARCEL_LIMITS } from './sandbox/limits';

/** Every carrier the engine knows, by name (CARRIER), and the parcel limits it publishes. */
const PARCEL_LIMITS: Record<string, ParcelLimits> = {
  sandbox: SANDBOX_PARCEL_LIMITS,
};

/** The parcel limits of the named carriers, for intake checks that need no carrier connection. */
export function carrierLimitsFor(names: readonly string[]): ParcelLimits[] {
  return names.map((name) => {
    if (!Object.prototype.hasOwnProperty.call(PARCEL_LIMITS, name)) {
      throw new Error(`carrier "${name}" publishes no parcel limits; known carriers: ${Object.keys(PARCEL_LIMITS).join(', ')}`);
    }
    return PARCEL_LIMITS[name];
  });
}

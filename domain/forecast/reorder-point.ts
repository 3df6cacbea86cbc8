/**
 * A reorder point from a demand forecast rather than from the average of past days: the demand the
 * forecast expects over the lead time (trend, season and planned events included) plus safety stock
 * for the forecast's own error. Every number comes back with it, like domain/replenishment.ts does.
 */
import { zScore } from '../replenishment';
import { ForecastInputError } from './errors';
import type { DemandForecast } from './forecast-demand';

export interface ForecastReorderPointInput {
  forecast: Pick<DemandForecast, 'method' | 'daily' | 'errorStdDev'>;
  /** Days from ordering to stock on the shelf; a fraction counts that part of the last day. */
  leadTimeDays: number;
  /** Probability of not running out before the order arrives, e.g. 0.95. */
  serviceLevel: number;
}

export interface ForecastReorderPoint {
  /** Unrounded, then rounded up to whole units. */
  reorderPointUnits: number;
  reorderPoint: number;
  why: {
    method: DemandForecast['method'];
    leadTimeDays: number;
    serviceLevel: number;
    zScore: number;
    /** Σ of the forecast means over the first leadTimeDays days. */
    leadTimeDemand: number;
    errorStdDev: number;
    /** z × errorStdDev × √leadTimeDays, unrounded then rounded up. */
    safetyStockUnits: number;
    safetyStock: number;
    rule: string;
  };
}

/**
 * reorder point = Σ forecast means over the lead time + z × σ₁ × √L, where σ₁ is the forecast's
 * one-day error spread and the √L takes the lead time's daily errors as independent.
 */
export function reorderPointFromForecast({ forecast, leadTimeDays, serviceLevel }: ForecastReorderPointInput): ForecastReorderPoint {
  if (!(Number.isFinite(leadTimeDays) && leadTimeDays >= 0 && leadTimeDays <= forecast.daily.length)) {
    throw new ForecastInputError('lead_time_out_of_range', `leadTimeDays must be from 0 to the forecast's ${forecast.daily.length} days, got ${leadTimeDays}`);
  }
  if (!(serviceLevel > 0 && serviceLevel < 1)) {
    throw new ForecastInputError('service_level_out_of_range', `serviceLevel must be between 0 and 1 exclusive, got ${serviceLevel}`);
  }
  const wholeDays = Math.floor(leadTimeDays);
  const partOfLastDay = leadTimeDays - wholeDays;
  const fullDaysDemand = forecast.daily.slice(0, wholeDays).reduce((sum, day) => sum + day.mean, 0);
  const leadTimeDemand = fullDaysDemand + (partOfLastDay > 0 ? partOfLastDay * forecast.daily[wholeDays].mean : 0);
  const z = zScore(serviceLevel);
  const safetyStockUnits = z * forecast.errorStdDev * Math.sqrt(leadTimeDays);
  const reorderPointUnits = leadTimeDemand + safetyStockUnits;
  return {
    reorderPointUnits,
    reorderPoint: Math.ceil(reorderPointUnits),
    why: {
      method: forecast.method,
      leadTimeDays,
      serviceLevel,
      zScore: z,
      leadTimeDemand,
      errorStdDev: forecast.errorStdDev,
      safetyStockUnits,
      safetyStock: Math.ceil(safetyStockUnits),
      rule: 'reorderPoint = Σ forecast means over the lead time + zScore × errorStdDev × √leadTimeDays',
    },
  };
}

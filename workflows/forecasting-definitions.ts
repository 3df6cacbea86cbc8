/**
 * The contract of the forecasting workflow between its starter (the nightly Schedule) and the
 * workflow. Workflow-safe (no I/O), so both sides import it.
 */
import type { ForecastSettings } from '../activities/forecasts';

export const forecastingWorkflowId = (taskQueue: string): string => `forecasting:${taskQueue}`;

export interface ForecastingInput {
  settings: ForecastSettings;
  /** Only this location's forecasts (ABC classes are always the whole catalog's). */
  locationId?: string;
  /** Set when the run continues as new: the day being computed and the SKU the next batch starts after. */
  resume?: { computedFor: string; afterSku: string; forecasts: number };
}

export interface ForecastingResult {
  computedFor: string;
  forecasts: number;
  abcClasses: { A: number; B: number; C: number };
}

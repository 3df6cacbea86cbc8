/** Demand forecasting: pure functions from a SKU's daily demand to a forecast with intervals and a reorder point. */
export { bias, oneStepErrorStdDev, squaredError, wape } from './accuracy';
export { ADI_CUT, classifyDemand, CV2_CUT, type DemandClassification, type DemandPattern } from './classify';
export { croston, syntetosBoylan } from './croston';
export { addDays, isIsoDate } from './dates';
export { ForecastInputError, type ForecastErrorCode } from './errors';
export { eventMultiplier, type PlannedEvent } from './events';
export {
  holt,
  type HoltParameters,
  holtWinters,
  type HoltWintersParameters,
  SEASON_DAYS,
  simpleExponentialSmoothing,
} from './exponential-smoothing';
export { candidatesFor, fitOnHoldout, type ForecastMethod, type ForecastParameters, holdoutDays } from './fit';
export {
  DEFAULT_SERVICE_LEVEL,
  type DemandForecast,
  type ForecastDay,
  forecastDemand,
  type ForecastRequest,
  MAX_HORIZON_DAYS,
  MIN_HISTORY_DAYS,
} from './forecast-demand';
export type { ModelRun } from './model-run';
export { type ForecastReorderPoint, type ForecastReorderPointInput, reorderPointFromForecast } from './reorder-point';

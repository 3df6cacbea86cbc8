/**
 * Daily demand forecast of one SKU: classify the history, fit the method its pattern calls for on a
 * holdout, measure that backtest, refit on the whole history, forecast the horizon with an interval
 * at the service level, and lift the days planned events cover.
 */
import { zScore } from '../replenishment';
import { bias, oneStepErrorStdDev, wape } from './accuracy';
import { classifyDemand, type DemandClassification, type DemandPattern } from './classify';
import { addDays, assertIsoDate } from './dates';
import { ForecastInputError } from './errors';
import { assertPlannedEvents, eventMultiplier, type PlannedEvent } from './events';
import { fitOnHoldout, type ForecastMethod, type ForecastParameters } from './fit';

export const MIN_HISTORY_DAYS = 2;
export const MAX_HORIZON_DAYS = 365;
export const DEFAULT_SERVICE_LEVEL = 0.95;

export interface ForecastRequest {
  /** Units demanded per day, oldest first, days without demand as 0. */
  history: readonly number[];
  /** The date of history[0], YYYY-MM-DD; the forecast starts the day after the last history day. */
  historyStart: string;
  /** 1 to 365. */
  horizonDays: number;
  /** Probability that demand stays at or below a day's `high`; 0.95 when not given. */
  serviceLevel?: number;
  events?: readonly PlannedEvent[];
}

export interface ForecastDay {
  date: string;
  mean: number;
  /** The (1 − service level) and service level quantiles of the day's demand, never below 0. */
  low: number;
  high: number;
}

export interface DemandForecast {
  method: ForecastMethod;
  pattern: DemandPattern;
  classification: DemandClassification;
  parameters: ForecastParameters;
  serviceLevel: number;
  zScore: number;
  daily: ForecastDay[];
  /** The fitted method forecasting the holdout (the last days of the history) from the days before it. */
  accuracy: { wape: number | null; bias: number | null; holdoutDays: number };
  totalMean: number;
  /** The spread of a one-day-ahead error (root mean square over the holdout days); h days out it is × √h. */
  errorStdDev: number;
}

/**
 * The interval of day h of the horizon is mean ± z × errorStdDev × √h (errors of successive days
 * taken as independent, so uncertainty grows with the square root of the distance), with z the
 * service level's normal quantile. The mean and low are floored at 0, as demand cannot be negative.
 * A planned event multiplies the day's mean, low and high alike.
 */
export function forecastDemand(request: ForecastRequest): DemandForecast {
  const { history, historyStart, horizonDays, serviceLevel = DEFAULT_SERVICE_LEVEL, events = [] } = request;
  assertRequest(request, serviceLevel);
  assertPlannedEvents(events);
  const classification = classifyDemand(history);
  const { chosen, holdoutForecast, holdout } = fitOnHoldout(history, classification.pattern);
  const refit = chosen.run(history);
  const errorStdDev = oneStepErrorStdDev(history, refit.oneStepAhead, holdout.length);
  const z = zScore(serviceLevel);
  const firstDate = addDays(historyStart, history.length);
  const daily = refit.ahead(horizonDays).map((expected, index) => {
    const date = addDays(firstDate, index);
    const lift = eventMultiplier(date, events);
    const mean = Math.max(0, expected);
    const halfWidth = z * errorStdDev * Math.sqrt(index + 1);
    return { date, mean: mean * lift, low: Math.max(0, mean - halfWidth) * lift, high: (mean + halfWidth) * lift };
  });
  return {
    method: chosen.method,
    pattern: classification.pattern,
    classification,
    parameters: chosen.parameters,
    serviceLevel,
    zScore: z,
    daily,
    accuracy: { wape: wape(holdout, holdoutForecast), bias: bias(holdout, holdoutForecast), holdoutDays: holdout.length },
    totalMean: daily.reduce((sum, day) => sum + day.mean, 0),
    errorStdDev,
  };
}

function assertRequest({ history, historyStart, horizonDays }: ForecastRequest, serviceLevel: number): void {
  if (!(Number.isInteger(horizonDays) && horizonDays >= 1 && horizonDays <= MAX_HORIZON_DAYS)) {
    throw new ForecastInputError('horizon_out_of_range', `horizonDays must be a whole number from 1 to ${MAX_HORIZON_DAYS}, got ${horizonDays}`);
  }
  if (!Array.isArray(history) || history.length < MIN_HISTORY_DAYS) {
    throw new ForecastInputError('history_too_short', `history needs at least ${MIN_HISTORY_DAYS} days of demand`);
  }
  const bad = history.findIndex((units) => !(Number.isFinite(units) && units >= 0));
  if (bad >= 0) throw new ForecastInputError('invalid_history', `history[${bad}] must be a number of units of at least 0, got ${history[bad]}`);
  assertIsoDate(historyStart, 'historyStart');
  if (!(serviceLevel > 0 && serviceLevel < 1)) {
    throw new ForecastInputError('service_level_out_of_range', `serviceLevel must be between 0 and 1 exclusive, got ${serviceLevel}`);
  }
}

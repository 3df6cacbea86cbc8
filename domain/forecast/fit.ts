/**
 * Choosing a method's parameters: run every point of a coarse grid on the history without its last
 * days (the holdout), forecast the holdout from there, and keep the point with the least squared
 * error. Squared, not absolute: for intermittent demand the median day is zero, so absolute error
 * rewards forecasting nothing, while squared error is least at the mean rate.
 */
import { squaredError } from './accuracy';
import type { DemandPattern } from './classify';
import { croston, syntetosBoylan } from './croston';
import { holt, holtWinters, SEASON_DAYS, simpleExponentialSmoothing } from './exponential-smoothing';
import type { ModelRun } from './model-run';

export type ForecastMethod = 'holt_winters' | 'holt' | 'ses' | 'croston' | 'sba';

/** The fitted smoothing parameters; null where the method has no such parameter. */
export interface ForecastParameters {
  alpha: number;
  beta: number | null;
  gamma: number | null;
  phi: number | null;
}

export interface Candidate {
  method: ForecastMethod;
  parameters: ForecastParameters;
  run(series: readonly number[]): ModelRun;
}

/**
 * α (level) and γ (season): denser at the low end, where daily demand's noise puts most good values.
 * β (trend) stays low: a trend that follows daily noise extrapolates it over the whole horizon, and
 * damping handles a trend that levels off. The grid is small enough to fit a year of days in well under 50 ms.
 */
export const SMOOTHING_GRID = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
export const TREND_GRID = [0.05, 0.1, 0.2];
/** Damping φ: a strongly and a slightly fading trend, and a straight one. */
export const DAMPING_GRID = [0.9, 0.98, 1];
/**
 * Croston and SBA: low α only. A few demands per month make the smoothed interval noisy, and on
 * simulated intermittent demand letting the holdout pick α up to 0.2 made the fitted rate's typical
 * error worse (it chased the holdout's own noise), not better.
 */
export const CROSTON_GRID = [0.05, 0.1];
export const MAX_HOLDOUT_DAYS = 91;
/** Holt's first trend is one day's step: a week of training days gives smoothing the time to make more of it than noise. */
export const HOLT_MIN_DAYS = SEASON_DAYS;

/** The last fifth of the history, at least 1 day and at most 13 weeks (long enough that its mean is more than noise). */
export function holdoutDays(historyDays: number): number {
  return Math.min(MAX_HOLDOUT_DAYS, Math.max(1, Math.floor(historyDays / 5)));
}

/**
 * The methods a pattern calls for: intermittent and lumpy demand Croston and SBA; smooth and erratic
 * demand Holt-Winters with two weeks of training days, else Holt with one week, else simple smoothing.
 */
export function candidatesFor(pattern: DemandPattern, trainingDays: number): Candidate[] {
  if (pattern === 'intermittent' || pattern === 'lumpy') {
    return [
      ...CROSTON_GRID.map((alpha) => candidate('croston', { alpha }, (series) => croston(series, alpha))),
      ...CROSTON_GRID.map((alpha) => candidate('sba', { alpha }, (series) => syntetosBoylan(series, alpha))),
    ];
  }
  if (trainingDays >= 2 * SEASON_DAYS) {
    return grid((alpha, beta, phi) =>
      SMOOTHING_GRID.map((gamma) => candidate('holt_winters', { alpha, beta, gamma, phi }, (series) => holtWinters(series, { alpha, beta, gamma, phi }))),
    );
  }
  if (trainingDays >= HOLT_MIN_DAYS) return grid((alpha, beta, phi) => [candidate('holt', { alpha, beta, phi }, (series) => holt(series, { alpha, beta, phi }))]);
  return SMOOTHING_GRID.map((alpha) => candidate('ses', { alpha }, (series) => simpleExponentialSmoothing(series, alpha)));
}

export interface HoldoutFit {
  chosen: Candidate;
  /** The chosen candidate's forecast of the holdout days, made from the days before them. */
  holdoutForecast: number[];
  holdout: number[];
}

/** The candidate whose forecast of the holdout has the least squared error; the first of equals. */
export function fitOnHoldout(history: readonly number[], pattern: DemandPattern): HoldoutFit {
  const holdoutLength = holdoutDays(history.length);
  const training = history.slice(0, history.length - holdoutLength);
  const holdout = history.slice(training.length);
  const scored = candidatesFor(pattern, training.length).map((chosen) => {
    const holdoutForecast = chosen.run(training).ahead(holdoutLength);
    return { chosen, holdoutForecast, error: squaredError(holdout, holdoutForecast) };
  });
  const best = scored.reduce((kept, next) => (next.error < kept.error ? next : kept));
  return { chosen: best.chosen, holdoutForecast: best.holdoutForecast, holdout };
}

function grid(build: (alpha: number, beta: number, phi: number) => Candidate[]): Candidate[] {
  return SMOOTHING_GRID.flatMap((alpha) => TREND_GRID.flatMap((beta) => DAMPING_GRID.flatMap((phi) => build(alpha, beta, phi))));
}

function candidate(method: ForecastMethod, parameters: Partial<ForecastParameters> & { alpha: number }, run: Candidate['run']): Candidate {
  return { method, parameters: { alpha: parameters.alpha, beta: parameters.beta ?? null, gamma: parameters.gamma ?? null, phi: parameters.phi ?? null }, run };
}

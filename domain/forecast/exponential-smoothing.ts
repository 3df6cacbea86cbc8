/**
 * Exponential smoothing of daily demand: simple (level), Holt (level and trend, optionally damped)
 * and additive Holt-Winters (level, trend and a weekly season). Notation as in Hyndman and
 * Athanasopoulos, "Forecasting: Principles and Practice": α level, β trend, γ season, φ damping.
 */
import { dampedSteps, type ModelRun } from './model-run';

export const SEASON_DAYS = 7;

/** Simple exponential smoothing; the level starts at the first day. Needs at least one day. */
export function simpleExponentialSmoothing(series: readonly number[], alpha: number): ModelRun {
  const oneStepAhead: (number | null)[] = [null];
  let level = series[0];
  for (let day = 1; day < series.length; day++) {
    oneStepAhead.push(level);
    level += alpha * (series[day] - level);
  }
  return { oneStepAhead, ahead: (horizonDays) => new Array<number>(horizonDays).fill(level) };
}

export interface HoltParameters {
  alpha: number;
  beta: number;
  /** 1 for a straight trend; below 1 the trend fades out over the horizon. */
  phi: number;
}

/**
 * Holt's linear trend, damped by φ. Initialisation: at the second day the level is that day's demand
 * and the trend the step from the first day; the recursion runs from the third day. Needs two days.
 */
export function holt(series: readonly number[], { alpha, beta, phi }: HoltParameters): ModelRun {
  const oneStepAhead: (number | null)[] = [null, null];
  let level = series[1];
  let trend = series[1] - series[0];
  for (let day = 2; day < series.length; day++) {
    const expected = level + phi * trend;
    oneStepAhead.push(expected);
    const nextLevel = alpha * series[day] + (1 - alpha) * expected;
    trend = beta * (nextLevel - level) + (1 - beta) * phi * trend;
    level = nextLevel;
  }
  return { oneStepAhead, ahead: (horizonDays) => dampedSteps(phi, horizonDays).map((steps) => level + steps * trend) };
}

export interface HoltWintersParameters extends HoltParameters {
  gamma: number;
}

/**
 * Additive Holt-Winters with a damped trend and a 7-day season. Initialisation from the first two
 * weeks: the trend per day is the difference of their means / 7; a line through the two means at their
 * middle days gives each day its trend value; each weekday's seasonal term is its demand minus that
 * line, averaged over the two weeks (so the terms add up to zero); the level is the line's value on
 * the 7th day. The recursion runs from the 8th day. Needs two weeks.
 */
export function holtWinters(series: readonly number[], { alpha, beta, gamma, phi }: HoltWintersParameters): ModelRun {
  const m = SEASON_DAYS;
  const firstWeek = mean(series.slice(0, m));
  const secondWeek = mean(series.slice(m, 2 * m));
  const initialTrend = (secondWeek - firstWeek) / m;
  const line = (day: number) => firstWeek + initialTrend * (day - (m - 1) / 2);
  const season = Array.from({ length: m }, (_, weekday) => (series[weekday] - line(weekday) + series[weekday + m] - line(weekday + m)) / 2);
  let level = line(m - 1);
  let trend = initialTrend;
  const oneStepAhead: (number | null)[] = new Array<null>(m).fill(null);
  for (let day = m; day < series.length; day++) {
    const weekday = day % m;
    const base = level + phi * trend;
    oneStepAhead.push(base + season[weekday]);
    const nextLevel = alpha * (series[day] - season[weekday]) + (1 - alpha) * base;
    season[weekday] = gamma * (series[day] - base) + (1 - gamma) * season[weekday];
    trend = beta * (nextLevel - level) + (1 - beta) * phi * trend;
    level = nextLevel;
  }
  const last = series.length - 1;
  return {
    oneStepAhead,
    ahead: (horizonDays) => dampedSteps(phi, horizonDays).map((steps, index) => level + steps * trend + season[(last + index + 1) % m]),
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

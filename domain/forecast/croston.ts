/**
 * Croston's method for intermittent demand: smooth the size of non-zero demands and the interval
 * between them separately, and forecast their ratio as the daily rate. Croston's ratio is biased
 * high; the Syntetos-Boylan approximation (SBA) multiplies it by 1 − α/2 to correct that.
 */
import type { ModelRun } from './model-run';

/** Croston's method: rate = smoothed size / smoothed interval. */
export function croston(series: readonly number[], alpha: number): ModelRun {
  return smoothedRate(series, alpha, 1);
}

/** The Syntetos-Boylan approximation: Croston's rate × (1 − α/2). */
export function syntetosBoylan(series: readonly number[], alpha: number): ModelRun {
  return smoothedRate(series, alpha, 1 - alpha / 2);
}

/**
 * Initialisation: the first demand sets the size, and its interval counts from the day before the
 * history (a demand on the first day has interval 1). Both are updated only on days with demand; no
 * forecast exists before the first demand, and a series without demand forecasts zero.
 */
function smoothedRate(series: readonly number[], alpha: number, factor: number): ModelRun {
  const oneStepAhead: (number | null)[] = [];
  let size: number | null = null;
  let interval = 0;
  let daysSinceDemand = 0;
  for (const units of series) {
    oneStepAhead.push(size === null ? null : (factor * size) / interval);
    daysSinceDemand += 1;
    if (units > 0) {
      if (size === null) {
        size = units;
        interval = daysSinceDemand;
      } else {
        size += alpha * (units - size);
        interval += alpha * (daysSinceDemand - interval);
      }
      daysSinceDemand = 0;
    }
  }
  const rate = size === null ? 0 : (factor * size) / interval;
  return { oneStepAhead, ahead: (horizonDays) => new Array<number>(horizonDays).fill(rate) };
}

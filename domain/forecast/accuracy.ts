/** Forecast accuracy over days whose actual demand is known. */

/** Weighted absolute percentage error, Σ|actual − forecast| / Σactual; null when nothing was demanded. */
export function wape(actual: readonly number[], forecast: readonly number[]): number | null {
  const demanded = sum(actual);
  return demanded === 0 ? null : sum(actual.map((units, day) => Math.abs(units - forecast[day]))) / demanded;
}

/**
 * Σ(forecast − actual) / Σactual: positive when the forecast ran high (over-forecast, too much
 * stock), negative when it ran low (stock-outs); null when nothing was demanded.
 */
export function bias(actual: readonly number[], forecast: readonly number[]): number | null {
  const demanded = sum(actual);
  return demanded === 0 ? null : sum(actual.map((units, day) => forecast[day] - units)) / demanded;
}

/** Σ(actual − forecast)²: what parameter fitting minimises. */
export function squaredError(actual: readonly number[], forecast: readonly number[]): number {
  return sum(actual.map((units, day) => (units - forecast[day]) ** 2));
}

/**
 * The spread of one day's forecast error: the root mean square of the one-step-ahead errors over the
 * last `days` days (days without a forecast skipped), taken around zero so a biased method gets a
 * wider interval rather than a narrower one; 0 when there is no such error.
 */
export function oneStepErrorStdDev(actual: readonly number[], oneStepAhead: readonly (number | null)[], days: number): number {
  const squares: number[] = [];
  for (let day = Math.max(0, actual.length - days); day < actual.length; day++) {
    const expected = oneStepAhead[day];
    if (expected !== null) squares.push((actual[day] - expected) ** 2);
  }
  return squares.length === 0 ? 0 : Math.sqrt(sum(squares) / squares.length);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** What every forecasting method gives back after running over a series of daily demand. */
export interface ModelRun {
  /** The forecast of each day made the day before, from earlier days only; null while the method has too few days. */
  oneStepAhead: (number | null)[];
  /** Forecasts of the days after the series ends, the next day first. */
  ahead(horizonDays: number): number[];
}

/** φ, φ + φ², …, φ + … + φʰ: how much of today's trend a damped forecast adds 1…h days out (1…h when φ = 1). */
export function dampedSteps(phi: number, horizonDays: number): number[] {
  const sums: number[] = [];
  let power = 1;
  let sum = 0;
  for (let step = 1; step <= horizonDays; step++) {
    power *= phi;
    sum += power;
    sums.push(sum);
  }
  return sums;
}

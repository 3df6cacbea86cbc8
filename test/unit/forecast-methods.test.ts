import {
  bias,
  classifyDemand,
  croston,
  holdoutDays,
  holt,
  holtWinters,
  oneStepErrorStdDev,
  simpleExponentialSmoothing,
  syntetosBoylan,
  wape,
} from '../../domain/forecast';

describe('classifyDemand', () => {
  it('sorts histories into the four Syntetos-Boylan quadrants by ADI (cut 1.32) and CV² (cut 0.49)', () => {
    // Every day, sizes 9 and 11: ADI 4/4 = 1, mean 10, variance 1, CV² 0.01.
    expect(classifyDemand([9, 11, 9, 11])).toEqual({ pattern: 'smooth', adi: 1, cv2: 0.01, days: 4, demandDays: 4 });
    // Every day, sizes 1 and 9: mean 5, variance 16, CV² 0.64.
    expect(classifyDemand([1, 9, 1, 9])).toMatchObject({ pattern: 'erratic', adi: 1, cv2: 0.64 });
    // Two demands in six days: ADI 3; sizes 4 and 6: mean 5, variance 1, CV² 0.04.
    expect(classifyDemand([0, 4, 0, 0, 6, 0])).toMatchObject({ pattern: 'intermittent', adi: 3, cv2: 0.04 });
    // ADI 3; sizes 1 and 9: CV² 0.64.
    expect(classifyDemand([0, 1, 0, 0, 9, 0])).toMatchObject({ pattern: 'lumpy', adi: 3, cv2: 0.64 });
  });

  it('puts the cut-offs themselves on the intermittent and erratic side', () => {
    // 25 demand days in 33: ADI 1.32 exactly.
    const history = [...new Array<number>(25).fill(5), ...new Array<number>(8).fill(0)];
    expect(classifyDemand(history)).toMatchObject({ pattern: 'intermittent', adi: 1.32, cv2: 0 });
    // Sizes 3 and 17: mean 10, variance 49, CV² 0.49 exactly.
    expect(classifyDemand([3, 17, 3, 17])).toMatchObject({ pattern: 'erratic', adi: 1, cv2: 0.49 });
  });

  it('calls a history without demand intermittent, with no ADI or CV²', () => {
    expect(classifyDemand([0, 0, 0])).toEqual({ pattern: 'intermittent', adi: null, cv2: null, days: 3, demandDays: 0 });
  });
});

describe('simpleExponentialSmoothing', () => {
  it('matches a hand-computed run', () => {
    // α 0.5, level starts at 10: day 1 forecast 10, level 15; day 2 forecast 15, level 12.5;
    // day 3 forecast 12.5, level 12.5 + 0.5 × (30 − 12.5) = 21.25, the flat forecast from then on.
    const run = simpleExponentialSmoothing([10, 20, 10, 30], 0.5);
    expect(run.oneStepAhead).toEqual([null, 10, 15, 12.5]);
    expect(run.ahead(2)).toEqual([21.25, 21.25]);
  });
});

describe('holt', () => {
  it('matches a hand-computed run with a straight trend', () => {
    // α = β = 0.5, φ 1; at day 1 level 12, trend 2.
    // Day 2: forecast 14; level 0.5 × 16 + 0.5 × 14 = 15; trend 0.5 × 3 + 0.5 × 2 = 2.5.
    // Day 3: forecast 17.5; level 0.5 × 18 + 0.5 × 17.5 = 17.75; trend 0.5 × 2.75 + 0.5 × 2.5 = 2.625.
    // Ahead: 17.75 + 2.625 = 20.375, 17.75 + 2 × 2.625 = 23.
    const run = holt([10, 12, 16, 18], { alpha: 0.5, beta: 0.5, phi: 1 });
    expect(run.oneStepAhead).toEqual([null, null, 14, 17.5]);
    expect(run.ahead(2)).toEqual([20.375, 23]);
  });

  it('damps the trend with φ', () => {
    // φ 0.5. Day 2: forecast 12 + 0.5 × 2 = 13; level 8 + 6.5 = 14.5; trend 0.5 × 2.5 + 0.5 × 0.5 × 2 = 1.75.
    // Day 3: forecast 14.5 + 0.875 = 15.375; level 9 + 7.6875 = 16.6875;
    //        trend 0.5 × 2.1875 + 0.5 × 0.5 × 1.75 = 1.53125.
    // Ahead: 16.6875 + 0.5 × 1.53125 = 17.453125, 16.6875 + 0.75 × 1.53125 = 17.8359375.
    const run = holt([10, 12, 16, 18], { alpha: 0.5, beta: 0.5, phi: 0.5 });
    expect(run.oneStepAhead).toEqual([null, null, 13, 15.375]);
    expect(run.ahead(2)).toEqual([17.453125, 17.8359375]);
  });
});

describe('holtWinters', () => {
  const week = [-3, -2, -1, 0, 1, 2, 3];

  it('matches a hand-computed run: two flat weeks initialise it, then one surprise', () => {
    // Both weeks 1..7: means 4 and 4, trend 0, season −3..3, level 4; the second week is forecast exactly.
    // Day 14 (weekday 0) forecast 4 − 3 = 1, actual 5, α = β = γ = 0.5, φ 1:
    // level 0.5 × (5 + 3) + 0.5 × 4 = 6; season[0] 0.5 × (5 − 4) + 0.5 × (−3) = −1; trend 0.5 × 2 = 1.
    // Ahead: day 15 = 6 + 1 − 2 = 5, day 16 = 6 + 2 − 1 = 7; a week later weekday 0 = 6 + 7 − 1 = 12.
    const series = [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 5];
    const run = holtWinters(series, { alpha: 0.5, beta: 0.5, gamma: 0.5, phi: 1 });
    expect(run.oneStepAhead).toEqual([null, null, null, null, null, null, null, 1, 2, 3, 4, 5, 6, 7, 1]);
    expect(run.ahead(7)).toEqual([5, 7, 9, 11, 13, 15, 12]);
  });

  it('recovers a linear trend plus a weekly season from its first two weeks and extrapolates it exactly', () => {
    const series = Array.from({ length: 30 }, (_, day) => 10 + day + week[day % 7]);
    const run = holtWinters(series, { alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 1 });
    run.oneStepAhead.slice(7).forEach((expected, index) => expect(expected).toBeCloseTo(series[index + 7], 9));
    run.ahead(10).forEach((expected, index) => expect(expected).toBeCloseTo(10 + 30 + index + week[(30 + index) % 7], 9));
  });
});

describe('croston and syntetosBoylan', () => {
  // α 0.5. First demand (4) on day 1: interval 2, rate 4 / 2 = 2 from day 2.
  // Day 4 demand 2 after 3 days: size 4 + 0.5 × (2 − 4) = 3, interval 2 + 0.5 × (3 − 2) = 2.5, rate 1.2.
  // Day 6 demand 6 after 2 days: size 3 + 0.5 × 3 = 4.5, interval 2.5 + 0.5 × (2 − 2.5) = 2.25, rate 2.
  const series = [0, 4, 0, 0, 2, 0, 6];

  it('Croston forecasts smoothed size / smoothed interval, updated only on days with demand', () => {
    const run = croston(series, 0.5);
    expect(run.oneStepAhead).toEqual([null, null, 2, 2, 2, 1.2, 1.2]);
    expect(run.ahead(3)).toEqual([2, 2, 2]);
  });

  it('SBA scales the Croston rate by 1 − α/2', () => {
    const run = syntetosBoylan(series, 0.5);
    expect(run.oneStepAhead).toEqual([null, null, 1.5, 1.5, 1.5, 0.9, 0.9]);
    expect(run.ahead(1)).toEqual([1.5]);
  });

  it('forecasts zero for a series without demand', () => {
    expect(croston([0, 0, 0], 0.1).ahead(2)).toEqual([0, 0]);
  });
});

describe('accuracy', () => {
  it('WAPE is Σ|a − f| / Σa and bias Σ(f − a) / Σa, positive for over-forecasting', () => {
    // |errors| 2 + 5 + 0 = 7 over 40 demanded; signed 2 − 5 + 0 = −3 (ran low).
    expect(wape([10, 20, 10], [12, 15, 10])).toBeCloseTo(0.175, 12);
    expect(bias([10, 20, 10], [12, 15, 10])).toBeCloseTo(-0.075, 12);
    expect(bias([10, 10], [11, 12])).toBeCloseTo(0.15, 12);
    expect(wape([0, 0], [1, 1])).toBeNull();
  });

  it('the error spread is the root mean square of the last days\' one-step errors, skipping days without a forecast', () => {
    // Last 3 days: errors 3 and −1 (the null day skipped): √((9 + 1) / 2) = √5.
    expect(oneStepErrorStdDev([1, 5, 2, 9, 4], [null, 7, null, 6, 5], 3)).toBeCloseTo(Math.sqrt(5), 12);
    expect(oneStepErrorStdDev([1, 2], [null, null], 2)).toBe(0);
  });

  it('holds out the last fifth of the history, 1 to 91 days', () => {
    expect([holdoutDays(2), holdoutDays(10), holdoutDays(100), holdoutDays(365), holdoutDays(1000)]).toEqual([1, 2, 20, 73, 91]);
  });
});

import { forecastDemand, ForecastInputError, type ForecastRequest, reorderPointFromForecast, wape } from '../../domain/forecast';

/** A seeded generator (mulberry32), so the synthetic noise is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const weekdayDemand = [10, 12, 14, 13, 18, 30, 25];
/** A year of a clean weekly pattern with ±1 unit of noise. */
function weeklyYear(): number[] {
  const noise = random(7);
  return Array.from({ length: 365 }, (_, day) => weekdayDemand[day % 7] + (noise() - 0.5) * 2);
}

const base: ForecastRequest = { history: weeklyYear(), historyStart: '2024-01-01', horizonDays: 28 };

function refusal(request: ForecastRequest): { code: string; name: string } {
  try {
    forecastDemand(request);
  } catch (error) {
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toBeInstanceOf(ForecastInputError);
    return { code: (error as ForecastInputError).code, name: (error as Error).name };
  }
  throw new Error('expected the request to be refused');
}

describe('forecastDemand on synthetic series with known parameters', () => {
  it('recovers a clean weekly pattern with Holt-Winters within 5% WAPE', () => {
    const forecast = forecastDemand(base);
    expect(forecast).toMatchObject({ method: 'holt_winters', pattern: 'smooth', serviceLevel: 0.95 });
    // The year ends on day 364 (2024-12-30, 2024 being a leap year), so the forecast starts on day 365.
    expect(forecast.daily[0].date).toBe('2024-12-31');
    expect(forecast.daily[27].date).toBe('2025-01-27');
    const truth = forecast.daily.map((_, index) => weekdayDemand[(365 + index) % 7]);
    expect(wape(truth, forecast.daily.map((day) => day.mean))).toBeLessThan(0.05);
    expect(forecast.accuracy.holdoutDays).toBe(73);
    expect(forecast.accuracy.wape).toBeLessThan(0.05);
    expect(Math.abs(forecast.accuracy.bias ?? 1)).toBeLessThan(0.02);
    // The noise is uniform on ±1: standard deviation 1/√3 ≈ 0.58; the one-day error is close to it.
    expect(forecast.errorStdDev).toBeGreaterThan(0.4);
    expect(forecast.errorStdDev).toBeLessThan(0.9);
    expect(forecast.totalMean).toBeCloseTo(
      forecast.daily.reduce((sum, day) => sum + day.mean, 0),
      9,
    );
  });

  it('extrapolates a linear trend', () => {
    const noise = random(3);
    const history = Array.from({ length: 180 }, (_, day) => 20 + 0.5 * day + (noise() - 0.5) * 4);
    const forecast = forecastDemand({ history, historyStart: '2024-01-01', horizonDays: 30 });
    // Day 180 + h should be near 20 + 0.5 × (180 + h): 110 rising to 124.5, within 2%.
    forecast.daily.forEach((day, index) => expect(Math.abs(day.mean / (20 + 0.5 * (180 + index)) - 1)).toBeLessThan(0.02));
  });

  it('picks Croston or SBA for intermittent demand and finds its mean rate within 10%', () => {
    // Every 12 days: 4, 6 and 5 units on days 2, 6 and 8: ADI 4, CV² 0.027, 15 / 12 = 1.25 units a day.
    const cycle = [0, 0, 4, 0, 0, 0, 6, 0, 5, 0, 0, 0];
    const history = Array.from({ length: 240 }, (_, day) => cycle[day % 12]);
    const forecast = forecastDemand({ history, historyStart: '2024-01-01', horizonDays: 14 });
    expect(forecast.pattern).toBe('intermittent');
    expect(['croston', 'sba']).toContain(forecast.method);
    expect(forecast.parameters).toMatchObject({ beta: null, gamma: null, phi: null });
    for (const day of forecast.daily) expect(Math.abs(day.mean / 1.25 - 1)).toBeLessThan(0.1);
  });

  it('falls back to Holt below two weeks of training days and to simple smoothing below one', () => {
    const noisy = random(11);
    const days = (count: number) => Array.from({ length: count }, () => 20 + noisy() * 4);
    // 20 days: 4 held out, 16 to train; 12 days: 2 held out, 10 to train; 6 days: 1 held out, 5 to train.
    expect(forecastDemand({ history: days(20), historyStart: '2024-01-01', horizonDays: 7 }).method).toBe('holt_winters');
    expect(forecastDemand({ history: days(12), historyStart: '2024-01-01', horizonDays: 7 }).method).toBe('holt');
    const short = forecastDemand({ history: days(6), historyStart: '2024-01-01', horizonDays: 7 });
    expect(short.method).toBe('ses');
    expect(short.parameters).toMatchObject({ beta: null, gamma: null, phi: null });
  });

  it('fits a year in under 50 ms', () => {
    const history = weeklyYear();
    forecastDemand({ ...base, history });
    const timings = [0, 1, 2].map(() => {
      const started = performance.now();
      forecastDemand({ ...base, history, horizonDays: 365 });
      return performance.now() - started;
    });
    expect(Math.min(...timings)).toBeLessThan(50);
  });
});

describe('prediction intervals', () => {
  it('widen with the horizon as z × errorStdDev × √h around the mean', () => {
    const forecast = forecastDemand(base);
    const z = 1.6448536;
    expect(forecast.zScore).toBeCloseTo(z, 6);
    forecast.daily.forEach((day, index) => {
      expect(day.high - day.mean).toBeCloseTo(z * forecast.errorStdDev * Math.sqrt(index + 1), 5);
      expect(day.mean - day.low).toBeCloseTo(z * forecast.errorStdDev * Math.sqrt(index + 1), 5);
    });
    const widths = forecast.daily.map((day) => day.high - day.low);
    widths.slice(1).forEach((width, index) => expect(width).toBeGreaterThan(widths[index]));
  });

  it('are wider at a higher service level and never go below zero', () => {
    const at95 = forecastDemand(base);
    const at99 = forecastDemand({ ...base, serviceLevel: 0.99 });
    expect(at99.daily[0].high).toBeGreaterThan(at95.daily[0].high);
    const intermittent = forecastDemand({ history: [0, 0, 3, 0, 0, 0, 5, 0, 0, 4, 0, 0], historyStart: '2024-01-01', horizonDays: 5 });
    for (const day of intermittent.daily) expect(day.low).toBe(0);
  });
});

describe('planned events', () => {
  it('lift only the days they cover, both ends included, and compound where they overlap', () => {
    const plain = forecastDemand(base);
    const lifted = forecastDemand({
      ...base,
      events: [
        { startDate: '2025-01-02', endDate: '2025-01-04', liftPercent: 50 },
        { startDate: '2025-01-04', endDate: '2025-01-04', liftPercent: 100 },
        { startDate: '2025-03-01', endDate: '2025-03-31', liftPercent: 300 },
      ],
    });
    const factors: Record<string, number> = { '2025-01-02': 1.5, '2025-01-03': 1.5, '2025-01-04': 3 };
    lifted.daily.forEach((day, index) => {
      const factor = factors[day.date] ?? 1;
      expect(day.mean).toBeCloseTo(plain.daily[index].mean * factor, 9);
      expect(day.low).toBeCloseTo(plain.daily[index].low * factor, 9);
      expect(day.high).toBeCloseTo(plain.daily[index].high * factor, 9);
    });
    expect(lifted.totalMean).toBeGreaterThan(plain.totalMean);
    // A zero lift changes nothing.
    expect(forecastDemand({ ...base, events: [{ startDate: '2025-01-01', endDate: '2025-01-10', liftPercent: 0 }] }).daily).toEqual(plain.daily);
  });

  it('are refused with a negative lift, an end before the start or a date that does not exist', () => {
    expect(refusal({ ...base, events: [{ startDate: '2025-01-02', endDate: '2025-01-04', liftPercent: -10 }] }).code).toBe('invalid_event');
    expect(refusal({ ...base, events: [{ startDate: '2025-01-04', endDate: '2025-01-02', liftPercent: 10 }] }).code).toBe('invalid_event');
    expect(refusal({ ...base, events: [{ startDate: '2025-02-30', endDate: '2025-03-02', liftPercent: 10 }] }).code).toBe('invalid_event');
  });
});

describe('forecastDemand input', () => {
  it('accepts horizons of 1 to 365 days and refuses others with horizon_out_of_range', () => {
    expect(forecastDemand({ ...base, horizonDays: 1 }).daily).toHaveLength(1);
    expect(forecastDemand({ ...base, horizonDays: 365 }).daily).toHaveLength(365);
    for (const horizonDays of [0, -3, 366, 2.5, Number.NaN]) {
      expect(refusal({ ...base, horizonDays })).toEqual({ code: 'horizon_out_of_range', name: 'ForecastInputError' });
    }
  });

  it('refuses a too short or invalid history, a bad start date and a service level outside (0, 1)', () => {
    expect(refusal({ ...base, history: [5] }).code).toBe('history_too_short');
    expect(refusal({ ...base, history: [5, -1, 3] }).code).toBe('invalid_history');
    expect(refusal({ ...base, history: [5, Number.NaN, 3] }).code).toBe('invalid_history');
    expect(refusal({ ...base, historyStart: '2023-02-29' }).code).toBe('invalid_date');
    expect(refusal({ ...base, historyStart: '01/02/2024' }).code).toBe('invalid_date');
    expect(refusal({ ...base, serviceLevel: 1 }).code).toBe('service_level_out_of_range');
    expect(refusal({ ...base, serviceLevel: 0 }).code).toBe('service_level_out_of_range');
  });

  it('forecasts zero, with no accuracy to report, for a history without demand', () => {
    const forecast = forecastDemand({ history: new Array<number>(30).fill(0), historyStart: '2024-01-01', horizonDays: 3 });
    expect(forecast.daily.map((day) => [day.mean, day.low, day.high])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(forecast.accuracy).toEqual({ wape: null, bias: null, holdoutDays: 6 });
  });
});

describe('reorderPointFromForecast', () => {
  const forecast = {
    method: 'holt' as const,
    errorStdDev: 2,
    daily: [10, 12, 14, 16].map((mean, index) => ({ date: `2025-01-0${index + 1}`, mean, low: mean, high: mean })),
  };

  it('adds the forecast demand over the lead time and z × errorStdDev × √L, with every number\'s why', () => {
    // Lead time 3: 10 + 12 + 14 = 36; safety 1.6448536 × 2 × √3 = 5.69794; reorder point 41.69794 → 42.
    const point = reorderPointFromForecast({ forecast, leadTimeDays: 3, serviceLevel: 0.95 });
    expect(point.reorderPointUnits).toBeCloseTo(41.69794, 4);
    expect(point.reorderPoint).toBe(42);
    expect(point.why).toMatchObject({ method: 'holt', leadTimeDays: 3, serviceLevel: 0.95, leadTimeDemand: 36, errorStdDev: 2, safetyStock: 6 });
    expect(point.why.zScore).toBeCloseTo(1.6448536, 6);
    expect(point.why.safetyStockUnits).toBeCloseTo(5.69794, 4);
  });

  it('counts a fraction of the last lead-time day', () => {
    // 10 + 12 + 0.5 × 14 = 29.
    expect(reorderPointFromForecast({ forecast, leadTimeDays: 2.5, serviceLevel: 0.95 }).why.leadTimeDemand).toBe(29);
  });

  it('uses a real forecast\'s lifted days', () => {
    const lifted = forecastDemand({ ...base, events: [{ startDate: '2024-12-31', endDate: '2025-01-06', liftPercent: 100 }] });
    const plain = forecastDemand(base);
    const withEvent = reorderPointFromForecast({ forecast: lifted, leadTimeDays: 7, serviceLevel: 0.95 }).why.leadTimeDemand;
    const without = reorderPointFromForecast({ forecast: plain, leadTimeDays: 7, serviceLevel: 0.95 }).why.leadTimeDemand;
    expect(withEvent).toBeCloseTo(2 * without, 9);
  });

  it('refuses a lead time beyond the forecast or negative, and a bad service level', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as ForecastInputError).code;
      }
      return 'accepted';
    };
    expect(codeOf(() => reorderPointFromForecast({ forecast, leadTimeDays: 5, serviceLevel: 0.95 }))).toBe('lead_time_out_of_range');
    expect(codeOf(() => reorderPointFromForecast({ forecast, leadTimeDays: -1, serviceLevel: 0.95 }))).toBe('lead_time_out_of_range');
    expect(codeOf(() => reorderPointFromForecast({ forecast, leadTimeDays: 4, serviceLevel: 1.2 }))).toBe('service_level_out_of_range');
    expect(codeOf(() => reorderPointFromForecast({ forecast, leadTimeDays: 4, serviceLevel: 0.9 }))).toBe('accepted');
  });
});

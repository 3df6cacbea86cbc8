import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ForecastBatchInput } from '../../activities/forecasts';
import { addDays } from '../../domain/forecast';
import { DEFAULT_FORECAST_SETTINGS } from '../../activities/forecasts';
import { forecastingScheduleAction } from '../../infra/forecast-schedule';
import type { ForecastingResult } from '../../workflows/forecasting-definitions';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { fakeForecasting } from './fake-forecast-activities';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const skus = (count: number) => Array.from({ length: count }, (_, index) => `SKU-${String(index + 1).padStart(4, '0')}`);

describe('forecasting workflow', () => {
  // The time-skipping server has no Schedules: each night's run is started as the Schedule's action
  // starts it, and the server's clock is skipped a day between them (the integration test checks the
  // real Schedule's nightly spec on the dev server).
  it("the Schedule's nightly runs page through the catalog, then rank ABC classes, each night from its own day", async () => {
    fakeForecasting.skus = skus(5);
    fakeForecasting.locationsPerSku = 2;
    const settings = { ...DEFAULT_FORECAST_SETTINGS, batchSkus: 2 };
    const world = fakeWorld();
    const [first, second] = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const { workflowType, workflowId, args } = forecastingScheduleAction(taskQueue, settings);
      const tonight = await env.client.workflow.execute(workflowType, { taskQueue, workflowId, args });
      await env.sleep('1 day');
      const tomorrow = await env.client.workflow.execute(workflowType, { taskQueue, workflowId, args });
      return [tonight, tomorrow] as ForecastingResult[];
    });

    expect(first).toEqual({ computedFor: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), forecasts: 10, abcClasses: { A: 1, B: 1, C: 3 } });
    // A later night (the test server may skip further than the day asked for while it waits for a result).
    expect(second.computedFor >= addDays(first.computedFor, 1)).toBe(true);
    const batches = callsOf<ForecastBatchInput>(world, 'forecastSkuBatch');
    expect(batches.map((call) => [call.computedFor, call.afterSku])).toEqual([
      [first.computedFor, null],
      [first.computedFor, 'SKU-0002'],
      [first.computedFor, 'SKU-0004'],
      [second.computedFor, null],
      [second.computedFor, 'SKU-0002'],
      [second.computedFor, 'SKU-0004'],
    ]);
    expect(batches.every((call) => call.settings.batchSkus === 2 && call.settings.historyDays === 365 && call.locationId === undefined)).toBe(true);
    expect(callsOf(world, 'computeAbcClasses')).toEqual([
      { computedFor: first.computedFor, windowDays: 90 },
      { computedFor: second.computedFor, windowDays: 90 },
    ]);
  });

  it('a catalog of more batches than one run holds continues as new from where it stopped, on the same day', async () => {
    fakeForecasting.skus = skus(203);
    fakeForecasting.locationsPerSku = 1;
    const world = fakeWorld();
    const result = await withWorker(env, fakeActivities(world), (taskQueue) => {
      const { workflowType, workflowId, args } = forecastingScheduleAction(taskQueue, { ...DEFAULT_FORECAST_SETTINGS, batchSkus: 1 });
      return env.client.workflow.execute(workflowType, { taskQueue, workflowId, args, followRuns: true }) as Promise<ForecastingResult>;
    });
    expect(result.forecasts).toBe(203);
    const batches = callsOf<ForecastBatchInput>(world, 'forecastSkuBatch');
    // 203 SKUs of one per batch, and a last batch that finds nothing left.
    expect(batches).toHaveLength(204);
    expect(batches[200].afterSku).toBe('SKU-0200');
    expect(new Set(batches.map((call) => call.computedFor)).size).toBe(1);
    expect(callsOf(world, 'computeAbcClasses')).toHaveLength(1);
  });
});

import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity } from './activity-options';
import type { ForecastingInput, ForecastingResult } from './forecasting-definitions';

// A batch fits up to a few hundred models; each heartbeats, so a stuck worker is noticed within a minute.
const { forecastSkuBatch, computeAbcClasses } = proxyActivities<Activities>({
  ...databaseActivity,
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '6h',
});

/** Batches per run before it continues as new, so a big catalog never grows one history too long. */
const BATCHES_PER_RUN = 200;

/**
 * Run by the nightly forecasting Schedule, once across all worker replicas: forecasts the catalog
 * one batch of SKUs at a time into demand_forecasts, then recomputes the ABC classes. Every batch of
 * a run forecasts from the same day, the day the run started (UTC).
 */
export async function forecastingWorkflow(input: ForecastingInput): Promise<ForecastingResult> {
  const computedFor = input.resume?.computedFor ?? new Date().toISOString().slice(0, 10);
  let afterSku: string | null = input.resume?.afterSku ?? null;
  let forecasts = input.resume?.forecasts ?? 0;
  for (let batch = 0; ; batch++) {
    if (batch === BATCHES_PER_RUN && afterSku !== null) {
      return continueAsNew<typeof forecastingWorkflow>({ ...input, resume: { computedFor, afterSku, forecasts } });
    }
    const page = await forecastSkuBatch({ computedFor, afterSku, locationId: input.locationId, settings: input.settings });
    forecasts += page.forecasts;
    afterSku = page.lastSku;
    if (afterSku === null) break;
  }
  const abcClasses = await computeAbcClasses({ computedFor, windowDays: input.settings.abcWindowDays });
  return { computedFor, forecasts, abcClasses };
}

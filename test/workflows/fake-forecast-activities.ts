import type { AbcInput, ForecastBatchInput, ForecastBatchResult } from '../../activities/forecasts';

/**
 * In-memory forecasting for workflow tests: the catalog's SKUs in order, and how many forecasts each
 * SKU has (its locations); a batch answers like the real one, pages included.
 */
export const fakeForecasting = {
  skus: [] as string[],
  locationsPerSku: 1,
};

type ForecastActivityName = 'forecastSkuBatch' | 'computeAbcClasses';

export function fakeForecastActivities(record: (name: ForecastActivityName, input: unknown) => Promise<void>) {
  return {
    async forecastSkuBatch(input: ForecastBatchInput): Promise<ForecastBatchResult> {
      await record('forecastSkuBatch', input);
      const rest = fakeForecasting.skus.filter((sku) => input.afterSku === null || sku > input.afterSku);
      const batch = rest.slice(0, input.settings.batchSkus);
      const lastSku = batch.length < input.settings.batchSkus ? null : batch[batch.length - 1];
      return { lastSku, forecasts: batch.length * fakeForecasting.locationsPerSku };
    },
    async computeAbcClasses(input: AbcInput) {
      await record('computeAbcClasses', input);
      return { A: 1, B: 1, C: Math.max(0, fakeForecasting.skus.length - 2) };
    },
  };
}

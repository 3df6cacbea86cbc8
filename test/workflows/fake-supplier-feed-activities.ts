import type { SupplierFeedPollInput, SupplierFeedPollResult } from '../../activities/supplier-feeds';

/** Supplier stock polling for workflow tests: there are no dropship products to poll. */
export function fakeSupplierFeedActivities(record: (name: 'pollSupplierStock', input: unknown) => Promise<void>) {
  return {
    async pollSupplierStock(input: SupplierFeedPollInput): Promise<SupplierFeedPollResult> {
      await record('pollSupplierStock', input);
      return { next: null, polled: 0, updated: 0 };
    },
  };
}

import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SupplierFeedCursor, SupplierFeedPollInput } from '../activities/supplier-feeds';
import { externalServiceActivity } from './activity-options';

// Shorter than the poll period: a supplier down for long lets this run fail and the next one try afresh.
const { pollSupplierStock } = proxyActivities<Activities>({ ...externalServiceActivity, scheduleToCloseTimeout: '10m' });

/** Pages per run before it continues as new, so a big catalog never grows one history too long. */
const PAGES_PER_RUN = 200;

export interface SupplierFeedPollingInput {
  batchSize: SupplierFeedPollInput['batchSize'];
  /** Set when the run continues as new. */
  resume?: { after: SupplierFeedCursor; polled: number; updated: number };
}

/**
 * Run by the supplier feed Schedule, once across all worker replicas: polls every dropship product's
 * preferred supplier for its stock, a page of products at a time.
 */
export async function supplierFeedPollingWorkflow(input: SupplierFeedPollingInput): Promise<{ polled: number; updated: number }> {
  let after: SupplierFeedCursor | null = input.resume?.after ?? null;
  let polled = input.resume?.polled ?? 0;
  let updated = input.resume?.updated ?? 0;
  for (let pages = 0; ; pages++) {
    if (pages === PAGES_PER_RUN && after !== null) {
      return continueAsNew<typeof supplierFeedPollingWorkflow>({ ...input, resume: { after, polled, updated } });
    }
    const page = await pollSupplierStock({ after, batchSize: input.batchSize });
    polled += page.polled;
    updated += page.updated;
    after = page.next;
    if (after === null) return { polled, updated };
  }
}

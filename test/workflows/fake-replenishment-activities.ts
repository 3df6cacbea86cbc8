import type { RaiseDraftsInput } from '../../activities/replenishment';

/**
 * In-memory replenishment for workflow tests: the locations a run visits and, per location, the
 * drafts its planner would write (the real planner is covered by unit and integration tests).
 */
export const fakeReplenishment = {
  locations: [] as string[],
  draftsAt: {} as Record<string, string[]>,
};

type ReplenishmentActivityName = 'listReplenishmentLocations' | 'raiseReplenishmentDrafts' | 'startReplenishmentPurchaseOrders';

export function fakeReplenishmentActivities(record: (name: ReplenishmentActivityName, input: unknown) => Promise<void>) {
  return {
    async listReplenishmentLocations(): Promise<string[]> {
      await record('listReplenishmentLocations', {});
      return [...fakeReplenishment.locations];
    },
    async raiseReplenishmentDrafts(input: RaiseDraftsInput): Promise<{ purchaseOrderIds: string[] }> {
      await record('raiseReplenishmentDrafts', input);
      return { purchaseOrderIds: fakeReplenishment.draftsAt[input.locationId] ?? [] };
    },
    async startReplenishmentPurchaseOrders(input: { purchaseOrderIds: string[] }): Promise<void> {
      await record('startReplenishmentPurchaseOrders', input);
    },
  };
}

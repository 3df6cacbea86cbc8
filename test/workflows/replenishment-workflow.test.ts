import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { replenishmentScheduleAction } from '../../infra/schedules';
import { replenishmentWorkflowId } from '../../workflows/replenishment-definitions';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { fakeReplenishment } from './fake-replenishment-activities';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

beforeEach(() => {
  fakeReplenishment.locations = ['WH-A', 'WH-B'];
  fakeReplenishment.draftsAt = { 'WH-A': ['po_a1', 'po_a2'] };
});

describe('replenishment workflow', () => {
  // The time-skipping server has no Schedules: the run is started as the Schedule's action starts it
  // (the integration test triggers the real Schedule on the dev server).
  it("the Schedule's run plans each location and starts its drafts", async () => {
    const world = fakeWorld();
    const result = await withWorker(env, fakeActivities(world), (taskQueue) => {
      const { workflowType, workflowId, args } = replenishmentScheduleAction(taskQueue);
      return env.client.workflow.execute(workflowType, { taskQueue, workflowId, args });
    });
    expect(result).toEqual({ purchaseOrderIds: ['po_a1', 'po_a2'] });
    const raised = callsOf<{ locationId: string; runKey: string }>(world, 'raiseReplenishmentDrafts');
    expect(raised.map((call) => call.locationId)).toEqual(['WH-A', 'WH-B']);
    expect(raised[0].runKey).toMatch(/^replenishment:schedule:/);
    expect(callsOf(world, 'startReplenishmentPurchaseOrders')).toEqual([{ purchaseOrderIds: ['po_a1', 'po_a2'] }]);
  });

  it('a triggered run plans only its location and SKUs, and starts nothing when nothing was drafted', async () => {
    const world = fakeWorld();
    const result = await withWorker(env, fakeActivities(world), (taskQueue) =>
      env.client.workflow.execute('replenishmentWorkflow', {
        taskQueue,
        workflowId: replenishmentWorkflowId('shipment:shp_1:WH-B'),
        args: [{ locationId: 'WH-B', skus: ['SKU-A'], cause: 'shipment:shp_1' }],
      }),
    );
    expect(result).toEqual({ purchaseOrderIds: [] });
    expect(callsOf(world, 'listReplenishmentLocations')).toHaveLength(0);
    expect(callsOf(world, 'raiseReplenishmentDrafts')).toEqual([expect.objectContaining({ locationId: 'WH-B', skus: ['SKU-A'] })]);
    expect(callsOf(world, 'startReplenishmentPurchaseOrders')).toHaveLength(0);
  });
});

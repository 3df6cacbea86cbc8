import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type WebhookDeliveryInput, type WebhookAttemptInput, webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery-definitions';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { fakeReceivers } from './fake-webhook-activities';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const RETRY = { maxAttempts: 5, initialSeconds: 30, maxSeconds: 100, timeoutMs: 5_000 };

function delivery(answers: (number | null)[]): WebhookDeliveryInput {
  const deliveryId = `dlv_${randomUUID()}`;
  fakeReceivers.set(deliveryId, answers);
  return { deliveryId, retry: RETRY };
}

/** Runs a delivery to its end; answers with its result and the timers its history started, in seconds. */
async function run(input: WebhookDeliveryInput) {
  const world = fakeWorld();
  return withWorker(env, fakeActivities(world), async (taskQueue) => {
    const handle = await env.client.workflow.start('webhookDeliveryWorkflow', { taskQueue, workflowId: webhookDeliveryWorkflowId(input.deliveryId), args: [input] });
    const result = await handle.result();
    const history = await handle.fetchHistory();
    const timers = (history.events ?? [])
      .filter((event) => event.timerStartedEventAttributes)
      .map((event) => Number(event.timerStartedEventAttributes!.startToFireTimeout!.seconds));
    return { result, timers, attempts: callsOf<WebhookAttemptInput>(world, 'attemptWebhookDelivery') };
  });
}

describe('webhook delivery workflow', () => {
  it('retries a failing receiver with exponential backoff and ends DELIVERED on its first 2xx', async () => {
    const input = delivery([500, null, 503, 200]);
    const { result, timers, attempts } = await run(input);
    expect(result).toBe('DELIVERED');
    expect(timers).toEqual([30, 60, 100]);
    expect(attempts).toEqual([
      { deliveryId: input.deliveryId, attemptNo: 1, timeoutMs: 5_000, retryInSeconds: 30 },
      { deliveryId: input.deliveryId, attemptNo: 2, timeoutMs: 5_000, retryInSeconds: 60 },
      { deliveryId: input.deliveryId, attemptNo: 3, timeoutMs: 5_000, retryInSeconds: 100 },
      { deliveryId: input.deliveryId, attemptNo: 4, timeoutMs: 5_000, retryInSeconds: 100 },
    ]);
  });

  it('gives up FAILED after maxAttempts, the last attempt told no retry follows', async () => {
    const input = delivery([500, 500, 500, 500, 500]);
    const { result, timers, attempts } = await run(input);
    expect(result).toBe('FAILED');
    expect(timers).toEqual([30, 60, 100, 100]);
    expect(attempts.map((attempt) => attempt.retryInSeconds)).toEqual([30, 60, 100, 100, null]);
  });

  it('delivers at once without a timer when the receiver answers the first time', async () => {
    const { result, timers, attempts } = await run(delivery([204]));
    expect(result).toBe('DELIVERED');
    expect(timers).toEqual([]);
    expect(attempts).toHaveLength(1);
  });
});

describe('webhook dispatch workflow', () => {
  /** Runs one dispatcher with these arguments; answers with its result and the activities it called, in order. */
  async function dispatch(args: unknown[]) {
    const world = fakeWorld();
    const order: string[] = [];
    const activities = fakeActivities(world);
    const tracked = {
      ...activities,
      async dispatchOutboundEvents(input: { retry: typeof RETRY }) {
        order.push('dispatch');
        return activities.dispatchOutboundEvents(input);
      },
      async pruneOutboundWebhooks(input: { retentionDays: number }) {
        order.push('prune');
        return activities.pruneOutboundWebhooks(input);
      },
    };
    return withWorker(env, tracked, async (taskQueue) => {
      const result = await env.client.workflow.execute('webhookDispatchWorkflow', { taskQueue, workflowId: `webhook-dispatch:test-${randomUUID()}`, args });
      return { result, order, pruned: callsOf(world, 'pruneOutboundWebhooks') };
    });
  }

  it('dispatches, then prunes what was delivered longer ago than the retention', async () => {
    const { result, order, pruned } = await dispatch([RETRY, 30]);
    expect(order).toEqual(['dispatch', 'prune']);
    expect(pruned).toEqual([{ retentionDays: 30 }]);
    expect(result).toEqual({ events: 0, deliveries: 0, started: 0, pruned: { deliveries: 0, events: 0 } });
  });

  it('only dispatches when started without a retention, as by a Schedule an older worker made', async () => {
    const { result, order } = await dispatch([RETRY]);
    expect(order).toEqual(['dispatch']);
    expect(result).toEqual({ events: 0, deliveries: 0, started: 0 });
  });
});

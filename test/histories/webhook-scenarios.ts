/**
 * The outbound webhook scenario of `npm run record-histories`: an order's events dispatched by one run
 * of the dispatcher (`.webhook-dispatch.json`) and the delivery of its order.delivered event to a
 * receiver that fails the first attempt, retried after a second (`.webhook-delivery.json`).
 */
import { webhookDeliveryWorkflowId, type WebhookRetrySettings } from '../../workflows/webhook-delivery-definitions';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import type { Recorder } from './return-scenarios';

const RETRY: WebhookRetrySettings = { maxAttempts: 3, initialSeconds: 1, maxSeconds: 4, timeoutMs: 2_000 };

export class WebhookScenarios {
  constructor(private readonly recorder: Recorder) {}

  async retriedDelivery(scenario: string): Promise<void> {
    const { engine } = this.recorder;
    const receiver = await WebhookReceiver.start({ '/flaky': 1 });
    try {
      const endpoint = await engine.call('ops', 'POST', '/v1/webhook-endpoints', { url: `${receiver.baseUrl}/flaky`, events: ['order.delivered'] });
      if (endpoint.status !== 201) throw new Error(`registering the endpoint failed: ${JSON.stringify(endpoint.body)}`);
      const product = await this.recorder.product('HOOK-A');
      await this.recorder.receive('WH-AUTO', [product]);
      const orderId = await this.recorder.order([product], 1);
      await this.recorder.until(orderId, 'DELIVERED');

      const dispatchId = `webhook-dispatch:recorded-${Date.now()}`;
      await engine.temporal.workflow.execute('webhookDispatchWorkflow', { taskQueue: engine.taskQueue, workflowId: dispatchId, args: [RETRY] });
      await this.recorder.write(`${scenario}.webhook-dispatch`, dispatchId);

      const delivery = await engine.db('webhook_deliveries as d')
        .join('outbound_events as e', 'e.id', 'd.event_id')
        .where({ 'd.endpoint_id': endpoint.body.id, 'e.type': 'order.delivered' })
        .whereRaw("e.data->>'orderId' = ?", [orderId])
        .first('d.id');
      if (!delivery) throw new Error(`${scenario}: no delivery of order.delivered for ${orderId}`);
      const handle = engine.temporal.workflow.getHandle(webhookDeliveryWorkflowId(delivery.id));
      const result = await handle.result();
      const attempts = await engine.db('webhook_delivery_attempts').where({ delivery_id: delivery.id }).count({ n: '*' }).first();
      if (result !== 'DELIVERED' || Number(attempts!.n) !== 2) throw new Error(`${scenario}: ended ${result} after ${attempts!.n} attempts, expected DELIVERED after 2`);
      await this.recorder.write(`${scenario}.webhook-delivery`, webhookDeliveryWorkflowId(delivery.id));
    } finally {
      await receiver.stop();
    }
  }
}

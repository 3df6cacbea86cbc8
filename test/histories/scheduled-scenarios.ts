/**
 * The scenarios of `npm run record-histories` for workflows their Schedules start: each run is started
 * directly with the arguments its Schedule's action passes, after seeding what takes it down its
 * main path. Saved as `<scenario>.forecasting.json` (the nightly forecast over a shipped history),
 * `<scenario>.supplier-feed-polling.json` (a dropship product's stock polled from its supplier) and
 * `<scenario>.webhook-dispatch.json` (channel availability published, dispatched, and old deliveries pruned).
 */
import { newDeliveryId } from '../../activities/outbound-webhooks';
import { DEFAULT_FORECAST_SETTINGS } from '../../activities/forecasts';
import { forecastingScheduleAction } from '../../infra/forecast-schedule';
import { supplierFeedScheduleAction } from '../../infra/supplier-feed-schedule';
import { webhookDispatchScheduleId } from '../../infra/webhook-schedule';
import { eventually } from '../helpers/eventually';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import * as past from '../integration/analytics-reports.history';
import type { forecastingWorkflow } from '../../workflows/forecasting';
import type { supplierFeedPollingWorkflow } from '../../workflows/supplier-feeds';
import type { webhookDispatchWorkflow } from '../../workflows/webhook-dispatch';
import type { Recorder } from './return-scenarios';

const AUTO = 'WH-AUTO';

export class ScheduledScenarios {
  constructor(private readonly recorder: Recorder) {}

  /** Three SKUs shipped daily over the last 60 days, forecast two SKUs a batch so the run loops, then ranked ABC. */
  async nightlyForecast(scenario: string): Promise<void> {
    const { engine } = this.recorder;
    const skus: string[] = [];
    for (const name of ['FC-A', 'FC-B', 'FC-C']) skus.push((await this.recorder.product(name)).sku);
    for (const [index, sku] of skus.entries()) {
      await past.receive(engine.db, { sku, locationId: AUTO, quantity: 1000, unitCostCents: 100 * (index + 1), when: past.daysAgo(61) });
      for (let ago = 60; ago >= 1; ago--) {
        const day = past.daysAgo(ago).toISOString().slice(0, 10);
        await past.shippedOrder(engine.db, {
          id: `${scenario}-${sku}-${ago}`,
          channel: 'web',
          locationId: AUTO,
          createdAt: past.at(day, '09:00:00'),
          shippedAt: past.at(day),
          lines: [{ sku, quantity: 1 + ((ago + index) % 4), unitPriceCents: 1500 }],
        });
      }
    }
    const action = forecastingScheduleAction(engine.taskQueue, { ...DEFAULT_FORECAST_SETTINGS, batchSkus: 2 });
    const result = await engine.temporal.workflow.execute<typeof forecastingWorkflow>(action.workflowType, { taskQueue: action.taskQueue, workflowId: action.workflowId, args: action.args });
    if (result.forecasts < skus.length || result.abcClasses.A < 1) throw new Error(`${scenario}: expected forecasts and an A class, got ${JSON.stringify(result)}`);
    await this.recorder.write(`${scenario}.forecasting`, action.workflowId);
  }

  /** A dropship product whose supplier now holds 7: the poll stores that level. */
  async supplierFeedPolled(scenario: string): Promise<void> {
    const { engine } = this.recorder;
    const supplier = await this.call('POST', '/v1/suppliers', { name: `Recorded ${scenario}`, contact: {}, currency: 'USD', leadTimeDays: 3, paymentTerms: 'net 30' }, 201);
    const product = await this.recorder.product('FEED-A');
    const supplierSku = `S-${product.sku}`;
    await this.call('PUT', `/v1/suppliers/${supplier.id}/products/${product.sku}`, { supplierSku, unitCostCents: 300, preferred: true }, 200);
    await this.call('PUT', `/v1/products/${product.sku}/dropship`, {}, 200);
    const stocked = await fetch(`${engine.supplierUrl}/v1/stock/${supplier.id}/${supplierSku}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${engine.config.supplier.sandboxApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 7 }),
    });
    if (stocked.status !== 200) throw new Error(`${scenario}: supplier stock ${stocked.status} ${await stocked.text()}`);
    const action = supplierFeedScheduleAction(engine.taskQueue);
    const result = await engine.temporal.workflow.execute<typeof supplierFeedPollingWorkflow>(action.workflowType, { taskQueue: action.taskQueue, workflowId: action.workflowId, args: action.args });
    if (result.polled < 1 || result.updated < 1) throw new Error(`${scenario}: expected the product polled and updated, got ${JSON.stringify(result)}`);
    await this.recorder.write(`${scenario}.supplier-feed-polling`, action.workflowId);
  }

  /**
   * A channel with a stock policy and a SKU just received: the run publishes its availability, sends
   * the change to the subscribed endpoint, and prunes a delivery finished past the retention period.
   */
  async availabilityPublished(scenario: string): Promise<void> {
    const { engine } = this.recorder;
    const { retry, retentionDays } = engine.config.outboundWebhooks;
    const receiver = await WebhookReceiver.start();
    try {
      const endpoint = await this.call('POST', '/v1/webhook-endpoints', { url: `${receiver.baseUrl}/ats`, events: ['inventory.available_changed'] }, 201);
      await this.call('PUT', '/v1/channels/web/stock-policy', { bufferUnits: 1 }, 200);
      const product = await this.recorder.product('ATS-A');
      await this.recorder.receive(AUTO, [product]);
      await this.deliveredLongAgo(endpoint.id, retentionDays + 1);

      // As the Schedule starts it (infra/webhook-schedule.ts).
      const workflowId = webhookDispatchScheduleId(engine.taskQueue);
      const result = await engine.temporal.workflow.execute<typeof webhookDispatchWorkflow>('webhookDispatchWorkflow', { taskQueue: engine.taskQueue, workflowId, args: [retry, retentionDays] });
      const published = await engine.db('channel_availability').where({ channel: 'web', sku: product.sku }).first('available');
      if (published?.available !== 4 || result.started < 1 || result.pruned?.deliveries !== 1) {
        throw new Error(`${scenario}: expected 4 published, a delivery started and one pruned, got ${JSON.stringify({ published, result })}`);
      }
      await eventually(() => receiver.received.some((request) => JSON.parse(request.body).data.sku === product.sku), 30_000);
      await this.recorder.write(`${scenario}.webhook-dispatch`, workflowId);
    } finally {
      await receiver.stop();
    }
  }

  /** An event dispatched `ageDays` ago and delivered to the endpoint then, with its one attempt. */
  private async deliveredLongAgo(endpointId: string, ageDays: number): Promise<void> {
    const { db } = this.recorder.engine;
    const then = db.raw('now() - make_interval(days => ?)', [ageDays]);
    const [{ id }] = await db('outbound_events').insert({ type: 'inventory.available_changed', event_key: `recorded-old-${Date.now()}`, data: {}, created_at: then, dispatched_at: then }).returning('id');
    const deliveryId = newDeliveryId();
    await db('webhook_deliveries').insert({ id: deliveryId, event_id: id, endpoint_id: endpointId, status: 'DELIVERED', attempts: 1, last_status_code: 200, workflow_started_at: then, finished_at: then, created_at: then });
    await db('webhook_delivery_attempts').insert({ delivery_id: deliveryId, attempt_no: 1, started_at: then, duration_ms: 5, status_code: 200, succeeded: true });
  }

  private async call(method: string, path: string, body: object, expected: number) {
    const answer = await this.recorder.engine.call('ops', method, path, body);
    if (answer.status !== expected) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

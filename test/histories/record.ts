/**
 * `npm run record-histories`: runs the order, return and inventory scenarios end to end and saves
 * the Order, Shipment, receipt, Return, adjustment, cycle-count and transfer workflow histories under
 * test/histories/. CI replays them against the current workflow code (test/workflows/replay.test.ts),
 * so a change that would break running workflows fails there. Only scenarios without a recorded
 * file run: histories of older code are what guard its patched() branches, so they are kept
 * (delete a file to record it again).
 * `-- --generation <name>` records every scenario again into test/histories/<name>/, for a change
 * that takes new paths through all of them (a patched() that applies everywhere).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli, installHint } from '../../infra/temporal-binaries';
import { orderWorkflowId, receiptWorkflowId, shipmentWorkflowId } from '../../workflows/definitions';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { FINAL_ORDER_STATUSES, type OrderStatus } from '../../domain/types';
import { address, orderRequest, Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { Engine } from '../../dev/harness/engine';
import { eventually } from '../helpers/eventually';
import { DropshipScenarios } from './dropship-scenarios';
import { InventoryScenarios } from './inventory-scenarios';
import { PurchasingScenarios } from './purchasing-scenarios';
import { ReplenishmentScenarios } from './replenishment-scenarios';
import { type Recorder, ReturnScenarios } from './return-scenarios';
import { ScheduledScenarios } from './scheduled-scenarios';
import { WebhookScenarios } from './webhook-scenarios';

const generation = process.argv.includes('--generation') ? process.argv[process.argv.indexOf('--generation') + 1] : undefined;
if (generation !== undefined && !/^[a-z0-9-]+$/.test(generation)) throw new Error('--generation needs a name of a-z, 0-9 and -');
// `--only <prefix>` records just the missing scenarios whose file starts with it (one helper's, say).
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : '';
const OUT = generation ? path.join(__dirname, generation) : __dirname;
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const cli = findTemporalCli();
  if (!cli) throw new Error(`Recording needs the Temporal CLI. ${installHint('temporal')}`);
  const server = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes: ALL_SEARCH_ATTRIBUTES },
  });
  const engine = await Engine.start({
    label: 'histories',
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/oms',
    temporalAddress: server.address,
    // A second between tracking steps: a label is voided (capture declined) before its pickup.
    carrierStepMs: 1000,
  });
  try {
    await seedWarehouse(engine.db, { id: 'WH-AUTO', mode: 'auto', priority: 10, bins: ['A-01-01'] });
    await seedWarehouse(engine.db, { id: 'WH-MAN', mode: 'manual', priority: 20, bins: ['A-01-01', 'B-02-01'] });
    const scenarios = new Scenarios(engine, cli);
    const returns = new ReturnScenarios(scenarios);
    const inventory = new InventoryScenarios(scenarios);
    const webhooks = new WebhookScenarios(scenarios);
    const replenishment = new ReplenishmentScenarios(scenarios);
    const purchasing = new PurchasingScenarios(scenarios);
    const dropship = new DropshipScenarios(scenarios);
    const scheduled = new ScheduledScenarios(scenarios);
    // Each scenario by the file that says it was recorded.
    const all: [string, () => Promise<void>][] = [
      ['webhook-retried.webhook-delivery', () => webhooks.retriedDelivery('webhook-retried')],
      ['manual-delivered.order', () => scenarios.manualDelivered()],
      ['auto-delivered.order', () => scenarios.autoDelivered()],
      ['split-partially-cancelled.order', () => scenarios.splitPartiallyCancelled()],
      ['backorder-woken.order', () => scenarios.backorderWokenByReceipt('backorder-woken')],
      ['backorder-expired.order', () => scenarios.backorderExpired()],
      ['payment-declined.order', () => scenarios.paymentDeclined()],
      ['rejected.order', () => scenarios.rejected()],
      ['backorder-rechecked.order', () => scenarios.backorderWokenByReceipt('backorder-rechecked')],
      ['carrier-refused.order', () => scenarios.carrierRefused()],
      ['capture-declined.order', () => scenarios.captureDeclined()],
      ['declared-lost.order', () => scenarios.declaredLost()],
      ['return-restocked.return', () => returns.restocked('return-restocked')],
      ['return-partial-inspected.return', () => returns.partialInspected('return-partial-inspected')],
      ['return-cancelled.return', () => returns.cancelled('return-cancelled')],
      ['return-rejected.return', () => returns.rejected('return-rejected')],
      ['return-exchanged.return', () => returns.exchanged('return-exchanged')],
      ['adjustment-applied.adjustment', () => inventory.adjustmentApplied('adjustment-applied')],
      ['adjustment-approved.adjustment', () => inventory.adjustmentApproved('adjustment-approved')],
      ['adjustment-rejected.adjustment', () => inventory.adjustmentRejected('adjustment-rejected')],
      ['count-correction-approved.count-correction', () => inventory.countCorrectionApproved('count-correction-approved')],
      ['count-correction-below-reserved.count-correction', () => inventory.countCorrectionBelowReserved('count-correction-below-reserved')],
      ['cycle-count-planned.cycle-count', () => inventory.cycleCountPlanned('cycle-count-planned')],
      ['transfer-received.transfer', () => inventory.transferReceived('transfer-received')],
      ['transfer-closed-short.transfer', () => inventory.transferClosedShort('transfer-closed-short')],
      ['transfer-cancelled.transfer', () => inventory.transferCancelled('transfer-cancelled')],
      ['replenishment-drafted.replenishment', () => replenishment.drafted('replenishment-drafted')],
      ['po-received.purchase-order', () => purchasing.received('po-received')],
      ['po-cancelled.purchase-order', () => purchasing.cancelled('po-cancelled')],
      ['dropship-delivered.order', () => dropship.mixedDelivered('dropship-delivered')],
      ['dropship-refused-cancelled.order', () => dropship.refusedCancelled('dropship-refused-cancelled')],
      ['forecast-nightly.forecasting', () => scheduled.nightlyForecast('forecast-nightly')],
      ['supplier-feed-polled.supplier-feed-polling', () => scheduled.supplierFeedPolled('supplier-feed-polled')],
      ['availability-published.webhook-dispatch', () => scheduled.availabilityPublished('availability-published')],
    ];
    for (const [file, record] of all) {
      if (fs.existsSync(path.join(OUT, `${file}.json`)) || !file.startsWith(only)) continue;
      await record();
    }
  } finally {
    await engine.stop();
    await server.teardown();
  }
}

class Scenarios implements Recorder {
  private products = 0;

  constructor(
    readonly engine: Engine,
    private readonly cli: string,
  ) {}

  async manualDelivered(): Promise<void> {
    const a = await this.product('MAN-A');
    const b = await this.product('MAN-B');
    await this.receive('WH-MAN', [a, b], 'B-02-01');
    const orderId = await this.order([a, b], 2);
    const shipment = await this.waitForShipment(orderId, 1, 'AWAITING_PICK');
    await this.engine.call('warehouse', 'POST', `/v1/shipments/${shipment}/pick`, { pickedBy: 'recorder' });
    for (const product of [a, a, b, b]) await this.engine.call('warehouse', 'POST', `/v1/shipments/${shipment}/scans`, { upc: product.upc });
    await this.until(orderId, 'DELIVERED');
    await this.save('manual-delivered', orderId, 1);
  }

  async autoDelivered(): Promise<void> {
    const a = await this.product('AUTO-A');
    await this.receive('WH-AUTO', [a]);
    const orderId = await this.order([a], 1);
    await this.until(orderId, 'DELIVERED');
    await this.save('auto-delivered', orderId, 1);
  }

  async splitPartiallyCancelled(): Promise<void> {
    const a = await this.product('SPLIT-A');
    const b = await this.product('SPLIT-B');
    await this.receive('WH-AUTO', [a]);
    await this.receive('WH-MAN', [b]);
    const orderId = await this.order([a, b], 1);
    await this.until(orderId, 'PARTIALLY_SHIPPED');
    await this.engine.call('client', 'POST', `/v1/orders/${orderId}/cancel`, { reason: 'recorded partial cancel' });
    await this.until(orderId, 'DELIVERED');
    await this.save('split-partially-cancelled', orderId, 2);
  }

  async backorderWokenByReceipt(scenario: string): Promise<void> {
    const a = await this.product('BACK-A');
    const orderId = await this.order([a], 1);
    await this.until(orderId, 'BACKORDERED');
    const receiptId = await this.receive('WH-AUTO', [a]);
    await this.until(orderId, 'DELIVERED');
    await this.save(scenario, orderId, 1);
    await this.write(`${scenario}.receipt`, receiptWorkflowId(receiptId));
  }

  async carrierRefused(): Promise<void> {
    const a = await this.product('REFUSED-A');
    await this.receive('WH-AUTO', [a]);
    await this.engine.db('products').where({ sku: a.sku }).update({ weight_grams: 45_000 });
    const orderId = await this.order([a], 1);
    await this.until(orderId, 'FAILED');
    await this.save('carrier-refused', orderId, 1);
  }

  async captureDeclined(): Promise<void> {
    const a = await seedProduct(this.engine.db, `CAPTURE-A-${++this.products}`, 7277); // + 500 shipping = 77.77
    await this.receive('WH-MAN', [a]);
    const orderId = await this.order([a], 1);
    const shipment = await this.waitForShipment(orderId, 1, 'AWAITING_PICK');
    await this.engine.call('warehouse', 'POST', `/v1/shipments/${shipment}/pick`, {});
    await this.engine.call('warehouse', 'POST', `/v1/shipments/${shipment}/scans`, { upc: a.upc });
    await this.until(orderId, 'FAILED');
    await this.save('capture-declined', orderId, 1);
  }

  async declaredLost(): Promise<void> {
    const a = await this.product('LOST-A');
    await this.receive('WH-AUTO', [a]);
    const orderId = await this.order([a], 2, { shippingAddress: { ...address, line1: '9 LOST Lane' } });
    await this.until(orderId, 'SHIPPED');
    const shipment = await this.waitForShipment(orderId, 1, 'IN_TRANSIT');
    const answer = await this.engine.call('ops', 'POST', `/v1/shipments/${shipment}/declare-lost`, { resolution: 'replace' });
    if (answer.status !== 200) throw new Error(`declare-lost failed: ${JSON.stringify(answer.body)}`);
    const replacement = await this.waitForShipment(orderId, 2, 'IN_TRANSIT');
    await this.engine.call('ops', 'POST', `/v1/shipments/${replacement}/declare-lost`, { resolution: 'refund' });
    await this.until(orderId, 'LOST');
    await this.save('declared-lost', orderId, 2);
  }

  async backorderExpired(): Promise<void> {
    const a = await this.product('EXPIRE-A');
    const deadline = new Date(Date.now() + 3_000).toISOString();
    const orderId = await this.order([a], 1, { backorder: { policy: 'wait', deadline } });
    await this.until(orderId, 'CANCELLED');
    await this.save('backorder-expired', orderId, 0);
  }

  async paymentDeclined(): Promise<void> {
    const a = await this.product('DECLINE-A');
    await this.receive('WH-AUTO', [a]);
    const orderId = await this.order([a], 1, { payment: { token: 'tok_decline' } });
    await this.until(orderId, 'PAYMENT_DECLINED');
    await this.save('payment-declined', orderId, 0);
  }

  async rejected(): Promise<void> {
    const a = await this.product('REJECT-A');
    const orderId = await this.order([a], 1, { backorder: { policy: 'reject' } });
    await this.until(orderId, 'REJECTED');
    await this.save('rejected', orderId, 0);
  }

  async product(name: string): Promise<Product> {
    this.products += 1;
    return seedProduct(this.engine.db, `${name}-${this.products}`, 1500);
  }

  async receive(locationId: string, products: Product[], bin?: string): Promise<string> {
    const lines = products.map((product) => ({ sku: product.sku, quantity: 5, ...(bin ? { bin } : {}) }));
    const answer = await this.engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId, lines });
    if (answer.status !== 201) throw new Error(`receipt failed: ${JSON.stringify(answer.body)}`);
    return answer.body.id;
  }

  async order(products: Product[], quantity: number, extra: Record<string, unknown> = {}): Promise<string> {
    const lines = products.map((product) => ({ sku: product.sku, quantity }));
    const answer = await this.engine.call('client', 'POST', '/v1/orders', orderRequest('cus-recorder', lines, extra));
    if (answer.status !== 201) throw new Error(`order failed: ${JSON.stringify(answer.body)}`);
    return answer.body.id;
  }

  async until(orderId: string, status: string): Promise<void> {
    await eventually(async () => (await this.engine.call('ops', 'GET', `/v1/orders/${orderId}`)).body.status === status, 60_000);
    await eventually(async () => {
      const { status: run } = await this.engine.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
      return run.name !== 'RUNNING' || !FINAL_ORDER_STATUSES.includes(status as OrderStatus);
    }, 60_000);
  }

  private async waitForShipment(orderId: string, shipmentNo: number, status: string): Promise<string> {
    return eventually(async () => {
      const row = await this.engine.db('shipments').where({ order_id: orderId, shipment_no: shipmentNo }).first();
      return row?.status === status && row.id;
    }, 60_000);
  }

  private async save(scenario: string, orderId: string, shipments: number): Promise<void> {
    await this.write(`${scenario}.order`, orderWorkflowId(orderId));
    for (let n = 1; n <= shipments; n += 1) await this.write(`${scenario}.shipment-${n}`, shipmentWorkflowId(orderId, n));
  }

  async write(name: string, workflowId: string): Promise<void> {
    const handle = this.engine.temporal.workflow.getHandle(workflowId);
    await eventually(async () => (await handle.describe()).status.name !== 'RUNNING', 60_000);
    // The CLI writes the canonical JSON that historyFromJSON reads back (as the Web UI's download does).
    const json = execFileSync(this.cli, ['workflow', 'show', '--workflow-id', workflowId, '--address', this.engine.config.temporal.address, '--output', 'json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    // Stack traces in failures name this machine's folders; keep them relative to the project.
    const projectRoot = JSON.stringify(PROJECT_ROOT + path.sep).slice(1, -1);
    fs.writeFileSync(path.join(OUT, `${name}.json`), json.split(projectRoot).join(''));
    console.log(`recorded ${name} (${JSON.parse(json).events.length} events)`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

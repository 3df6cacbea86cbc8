/**
 * The Return scenarios of `npm run record-histories`: each delivers an order through the real
 * engine, then drives a return of it through the HTTP API and saves `<scenario>.return.json`
 * (and the replacement order's histories where one runs).
 */
import type { Product } from '../../dev/harness/catalog';
import { address } from '../../dev/harness/catalog';
import type { Engine } from '../../dev/harness/engine';
import type { ReturnStatus } from '../../domain/types';
import { orderWorkflowId, returnWorkflowId, shipmentWorkflowId } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';

/** What the return scenarios use of the order scenarios' recorder (record.ts). */
export interface Recorder {
  readonly engine: Engine;
  product(name: string): Promise<Product>;
  receive(locationId: string, products: Product[]): Promise<string>;
  order(products: Product[], quantity: number, extra?: Record<string, unknown>): Promise<string>;
  until(orderId: string, status: string): Promise<void>;
  write(name: string, workflowId: string): Promise<void>;
}

interface Inspected {
  lineNo: number;
  restock: number;
  damaged: number;
  scrap: number;
}

export class ReturnScenarios {
  constructor(private readonly recorder: Recorder) {}

  /** Approved by rule (seller fault, under the threshold); the carrier delivers the parcel, every unit is restocked and refunded with shipping. */
  async restocked(scenario: string): Promise<void> {
    const a = await this.recorder.product('RET-FULL-A');
    const orderId = await this.deliveredOrder([a], 2);
    const returnId = await this.request(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'wrong_item' }] });
    await this.until(returnId, 'ARRIVED');
    await this.inspect(returnId, [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }]);
    await this.until(returnId, 'CLOSED');
    await this.save(scenario, returnId);
  }

  /** Part of the order, approved by ops (changed_mind is not approved by rule), received in transit: restock, damaged and scrap. */
  async partialInspected(scenario: string): Promise<void> {
    const a = await this.recorder.product('RET-PART-A');
    const b = await this.recorder.product('RET-PART-B');
    const orderId = await this.deliveredOrder([a, b], 2);
    const returnId = await this.request(orderId, {
      lines: [
        { lineNo: 1, quantity: 2, reason: 'changed_mind' },
        { lineNo: 2, quantity: 1, reason: 'damaged' },
      ],
    });
    await this.until(returnId, 'AWAITING_APPROVAL');
    await this.call('ops', 'POST', `/v1/returns/${returnId}/approve`, { note: 'recorded approval' }, 200);
    await this.until(returnId, 'IN_TRANSIT');
    await this.inspect(returnId, [
      { lineNo: 1, restock: 1, damaged: 1, scrap: 0 },
      { lineNo: 2, restock: 0, damaged: 0, scrap: 1 },
    ]);
    await this.until(returnId, 'CLOSED');
    await this.save(scenario, returnId);
  }

  /** Cancelled by the customer before dropping the parcel off (the sandbox's UNSENT switch): the label is voided. */
  async cancelled(scenario: string): Promise<void> {
    const a = await this.recorder.product('RET-CANCEL-A');
    const orderId = await this.deliveredOrder([a], 1, { shippingAddress: { ...address, line1: '5 UNSENT Street' } });
    const returnId = await this.request(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] });
    await this.until(returnId, 'AWAITING_PARCEL');
    await this.call('client', 'POST', `/v1/returns/${returnId}/cancel`, { reason: 'recorded: kept it after all' }, 200);
    await this.until(returnId, 'CANCELLED');
    await this.save(scenario, returnId);
    const row = await this.recorder.engine.db('returns').where({ id: returnId }).first('label_voided_at');
    if (!row.label_voided_at) throw new Error(`${scenario}: the return label was not voided`);
  }

  async rejected(scenario: string): Promise<void> {
    const a = await this.recorder.product('RET-REJECT-A');
    const orderId = await this.deliveredOrder([a], 1);
    const returnId = await this.request(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'changed_mind' }] });
    await this.until(returnId, 'AWAITING_APPROVAL');
    await this.call('ops', 'POST', `/v1/returns/${returnId}/reject`, { note: 'recorded: worn' }, 200);
    await this.until(returnId, 'REJECTED');
    await this.save(scenario, returnId);
  }

  /** Exchanged for another product at the same price: the restocked unit pays for a replacement order, no money moves. */
  async exchanged(scenario: string): Promise<void> {
    const a = await this.recorder.product('RET-SWAP-A');
    const b = await this.recorder.product('RET-SWAP-B');
    await this.recorder.receive('WH-AUTO', [b]);
    const orderId = await this.deliveredOrder([a], 1);
    const returnId = await this.request(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'wrong_item', exchangeSku: b.sku }] });
    await this.until(returnId, 'ARRIVED');
    await this.inspect(returnId, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }]);
    await this.until(returnId, 'CLOSED');
    await this.save(scenario, returnId);
    const { exchange_order_id: replacement } = await this.recorder.engine.db('returns').where({ id: returnId }).first('exchange_order_id');
    await this.recorder.write(`${scenario}.replacement-order`, orderWorkflowId(replacement));
    await this.recorder.write(`${scenario}.replacement-shipment-1`, shipmentWorkflowId(replacement, 1));
  }

  /** An order from the auto warehouse, delivered. */
  private async deliveredOrder(products: Product[], quantity: number, extra: Record<string, unknown> = {}): Promise<string> {
    await this.recorder.receive('WH-AUTO', products);
    const orderId = await this.recorder.order(products, quantity, extra);
    await this.recorder.until(orderId, 'DELIVERED');
    return orderId;
  }

  private async request(orderId: string, body: unknown): Promise<string> {
    return (await this.call('client', 'POST', `/v1/orders/${orderId}/returns`, body, 201)).id;
  }

  private async inspect(returnId: string, lines: Inspected[]): Promise<void> {
    await this.call('warehouse', 'POST', `/v1/returns/${returnId}/receive`, { lines, receivedBy: 'recorder' }, 200);
  }

  private async call(role: 'client' | 'ops' | 'warehouse', method: string, path: string, body: unknown, expected: number): Promise<any> {
    const answer = await this.recorder.engine.call(role, method, path, body);
    if (answer.status !== expected) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  private async until(returnId: string, status: ReturnStatus): Promise<void> {
    await eventually(async () => (await this.recorder.engine.call('ops', 'GET', `/v1/returns/${returnId}`)).body.status === status, 60_000);
  }

  private async save(scenario: string, returnId: string): Promise<void> {
    await this.recorder.write(`${scenario}.return`, returnWorkflowId(returnId));
  }
}

/**
 * The inventory scenarios of `npm run record-histories`: adjustments and count corrections driven
 * through the HTTP API (saved as `<scenario>.adjustment.json` / `.count-correction.json`), and one
 * run of the cycle-count planner (`.cycle-count.json`), and transfers between the two warehouses
 * (`.transfer.json`). Products cost 100 cents a unit and the
 * approval threshold is lowered to 500 cents, so more than 5 units wait for ops.
 */
import type { Product } from '../../dev/harness/catalog';
import type { AdjustmentStatus } from '../../workflows/adjustment-definitions';
import { adjustmentWorkflowId } from '../../workflows/adjustment-definitions';
import { type TransferStatus, transferWorkflowId } from '../../workflows/transfer-definitions';
import { eventually } from '../helpers/eventually';
import type { Recorder } from './return-scenarios';

const THRESHOLD_CENTS = 500;
const AUTO = 'WH-AUTO';
const MANUAL = 'WH-MAN';

export class InventoryScenarios {
  constructor(private readonly recorder: Recorder) {
    recorder.engine.config.adjustments.approvalThresholdCents = THRESHOLD_CENTS;
  }

  /** Within the threshold: the API applies it, the workflow only wakes orders waiting for the units. */
  async adjustmentApplied(scenario: string): Promise<void> {
    const a = await this.stocked('ADJ-NOW-A', MANUAL, 10);
    const adjustment = await this.adjust({ reasonCode: 'found', lines: [{ sku: a.sku, locationId: MANUAL, quantity: 2 }] });
    this.expectStatus(adjustment.id, adjustment.status, 'APPLIED');
    await this.save(`${scenario}.adjustment`, adjustment.id, 'adjustmentWorkflow', 'APPLIED');
  }

  async adjustmentApproved(scenario: string): Promise<void> {
    const a = await this.stocked('ADJ-OK-A', MANUAL, 10);
    const adjustment = await this.adjust({ reasonCode: 'lost', note: 'recorded: fell behind the rack', lines: [{ sku: a.sku, locationId: MANUAL, quantity: -6 }] });
    this.expectStatus(adjustment.id, adjustment.status, 'PENDING_APPROVAL');
    const approved = await this.call('ops', 'POST', `/v1/inventory/adjustments/${adjustment.id}/approve`, { note: 'recorded approval' }, 200);
    this.expectStatus(adjustment.id, approved.status, 'APPLIED');
    await this.save(`${scenario}.adjustment`, adjustment.id, 'adjustmentWorkflow', 'APPLIED');
  }

  async adjustmentRejected(scenario: string): Promise<void> {
    const a = await this.stocked('ADJ-NO-A', MANUAL, 10);
    const adjustment = await this.adjust({ reasonCode: 'damaged', lines: [{ sku: a.sku, locationId: MANUAL, quantity: -8 }] });
    this.expectStatus(adjustment.id, adjustment.status, 'PENDING_APPROVAL');
    const rejected = await this.call('ops', 'POST', `/v1/inventory/adjustments/${adjustment.id}/reject`, { note: 'recorded: found them after all' }, 200);
    this.expectStatus(adjustment.id, rejected.status, 'REJECTED');
    await this.save(`${scenario}.adjustment`, adjustment.id, 'adjustmentWorkflow', 'REJECTED');
  }

  /** A blind count 10 over the books (1,000 cents) waits for ops as a countCorrectionWorkflow, then is approved. */
  async countCorrectionApproved(scenario: string): Promise<void> {
    const a = await this.stocked('CNT-OK-A', AUTO, 10);
    const task = await this.call('warehouse', 'POST', '/v1/count-tasks', { locationId: AUTO, sku: a.sku }, 201);
    const answer = await this.call('warehouse', 'POST', `/v1/count-tasks/${task.id}/answer`, { countedQuantity: 20, countedBy: 'recorder' }, 200);
    const { adjustmentId, status } = answer.correction;
    this.expectStatus(adjustmentId, status, 'PENDING_APPROVAL');
    const approved = await this.call('ops', 'POST', `/v1/inventory/adjustments/${adjustmentId}/approve`, { note: 'recorded recount agrees' }, 200);
    this.expectStatus(adjustmentId, approved.status, 'APPLIED');
    await this.save(`${scenario}.count-correction`, adjustmentId, 'countCorrectionWorkflow', 'APPLIED');
  }

  /**
   * A count below the units reserved for an order waits for ops; approved while the order holds them,
   * it is refused and keeps waiting; once the order is cancelled, the second approval applies it.
   */
  async countCorrectionBelowReserved(scenario: string): Promise<void> {
    const a = await this.stocked('CNT-RES-A', MANUAL, 5);
    const orderId = await this.recorder.order([a], 4);
    await this.recorder.until(orderId, 'FULFILLING');
    const task = await this.call('warehouse', 'POST', '/v1/count-tasks', { locationId: MANUAL, sku: a.sku }, 201);
    const answer = await this.call('warehouse', 'POST', `/v1/count-tasks/${task.id}/answer`, { countedQuantity: 2 }, 200);
    const { adjustmentId, status } = answer.correction;
    this.expectStatus(adjustmentId, status, 'PENDING_APPROVAL');
    const refused = await this.call('ops', 'POST', `/v1/inventory/adjustments/${adjustmentId}/approve`, {}, 409);
    if (refused.code !== 'below_reserved') throw new Error(`${scenario}: the approval was refused with ${refused.code}`);
    await this.call('client', 'POST', `/v1/orders/${orderId}/cancel`, { reason: 'recorded: the units are not there' }, 200);
    await this.recorder.until(orderId, 'CANCELLED');
    const approved = await this.call('ops', 'POST', `/v1/inventory/adjustments/${adjustmentId}/approve`, {}, 200);
    this.expectStatus(adjustmentId, approved.status, 'APPLIED');
    await this.save(`${scenario}.count-correction`, adjustmentId, 'countCorrectionWorkflow', 'APPLIED');
  }

  /** The Schedule's workflow, run once: it opens count tasks for the SKUs due (every stocked SKU of a fresh database). */
  async cycleCountPlanned(scenario: string): Promise<void> {
    await this.stocked('CYCLE-A', AUTO, 5);
    const { intervalDays, abcWindowDays } = this.recorder.engine.config.cycleCounts;
    const workflowId = `cycle-counts:recorded-${Date.now()}`;
    const result = await this.recorder.engine.temporal.workflow.execute('cycleCountWorkflow', {
      taskQueue: this.recorder.engine.taskQueue,
      workflowId,
      args: [{ intervalDays, abcWindowDays }],
    });
    if (result.tasksCreated < 1) throw new Error(`${scenario}: the planner opened no count task`);
    await this.recorder.write(`${scenario}.cycle-count`, workflowId);
  }

  /** Held at the manual warehouse, shipped by its `ship` update, and received in full at the other. */
  async transferReceived(scenario: string): Promise<void> {
    const a = await this.stocked('TRF-ALL-A', MANUAL, 6);
    const id = await this.transfer(a, 4);
    await this.call('warehouse', 'POST', `/v1/inventory/transfers/${id}/ship`, {}, 200);
    await this.call('warehouse', 'POST', `/v1/inventory/transfers/${id}/receive`, { lines: [{ sku: a.sku, quantity: 4 }] }, 200);
    await this.saveTransfer(`${scenario}.transfer`, id, 'RECEIVED');
  }

  /** Shipped with a 3-second deadline, received in part; the deadline passes and the rest is written off. */
  async transferClosedShort(scenario: string): Promise<void> {
    const a = await this.stocked('TRF-SHORT-A', MANUAL, 6);
    const { transfers } = this.recorder.engine.config;
    const deadlineHours = transfers.deadlineHours;
    transfers.deadlineHours = 3 / 3600;
    let id: string;
    try {
      id = await this.transfer(a, 5);
    } finally {
      transfers.deadlineHours = deadlineHours;
    }
    await this.call('warehouse', 'POST', `/v1/inventory/transfers/${id}/ship`, {}, 200);
    await this.call('warehouse', 'POST', `/v1/inventory/transfers/${id}/receive`, { lines: [{ sku: a.sku, quantity: 2 }] }, 200);
    await this.saveTransfer(`${scenario}.transfer`, id, 'CLOSED_SHORT');
  }

  /** Cancelled before it shipped: the hold at the source is released. */
  async transferCancelled(scenario: string): Promise<void> {
    const a = await this.stocked('TRF-CANCEL-A', MANUAL, 6);
    const id = await this.transfer(a, 3);
    await this.call('ops', 'POST', `/v1/inventory/transfers/${id}/cancel`, { reason: 'recorded: needed here after all' }, 200);
    await this.saveTransfer(`${scenario}.transfer`, id, 'CANCELLED');
  }

  private async transfer(product: Product, quantity: number): Promise<string> {
    const body = { fromLocationId: MANUAL, toLocationId: AUTO, lines: [{ sku: product.sku, quantity }] };
    return (await this.call('warehouse', 'POST', '/v1/inventory/transfers', body, 201)).id;
  }

  private async saveTransfer(name: string, transferId: string, result: TransferStatus): Promise<void> {
    const ended = await this.recorder.engine.temporal.workflow.getHandle(transferWorkflowId(transferId)).result();
    if (ended !== result) throw new Error(`${name}: transferWorkflow ended ${ended}, expected ${result}`);
    await this.recorder.write(name, transferWorkflowId(transferId));
  }

  private async stocked(name: string, locationId: string, units: number): Promise<Product> {
    const product = await this.recorder.product(name);
    await this.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId, lines: [{ sku: product.sku, quantity: units }] }, 201);
    return product;
  }

  private adjust(body: unknown): Promise<{ id: string; status: AdjustmentStatus }> {
    return this.call('warehouse', 'POST', '/v1/inventory/adjustments', body, 201);
  }

  /** A scenario that took another path than the one it is named for must not be saved under that name. */
  private expectStatus(adjustmentId: string, status: AdjustmentStatus, expected: AdjustmentStatus): void {
    if (status !== expected) throw new Error(`adjustment ${adjustmentId} is ${status}, expected ${expected}`);
  }

  private async call(role: 'client' | 'ops' | 'warehouse', method: string, path: string, body: unknown, expected: number): Promise<any> {
    const answer = await this.recorder.engine.call(role, method, path, body);
    if (answer.status !== expected) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  private async save(name: string, adjustmentId: string, type: string, result: AdjustmentStatus): Promise<void> {
    const handle = this.recorder.engine.temporal.workflow.getHandle(adjustmentWorkflowId(adjustmentId));
    const { status, type: ran } = await eventually(async () => {
      const described = await handle.describe();
      return described.status.name !== 'RUNNING' && described;
    }, 60_000);
    const ended = status.name === 'COMPLETED' ? await handle.result() : status.name;
    if (ran !== type || ended !== result) throw new Error(`${name}: ${ran} ended ${ended}, expected ${type} ending ${result}`);
    await this.recorder.write(name, adjustmentWorkflowId(adjustmentId));
  }
}

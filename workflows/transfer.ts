import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity } from './activity-options';
import { ShipmentStatusKey } from './search-attributes';
import {
  type CancelTransferRequest,
  cancelTransferUpdate,
  type ReceiveTransferRequest,
  type TransferInput,
  type TransferLineState,
  type TransferProgress,
  TransferRefusal,
  type TransferStatus,
  type TransferView,
  receiveTransferUpdate,
  shipTransferUpdate,
  transferStatusQuery,
} from './transfer-definitions';

// Bounded: a database down for a day fails the workflow, which ops see and reset.
const { shipTransfer, cancelTransfer, receiveTransfer, writeOffTransferShortfall, wakeForTransferReceipt, wakeForTransferRelease } = proxyActivities<Activities>({
  ...databaseActivity,
  scheduleToCloseTimeout: '24h',
});

interface TransferState {
  status: TransferStatus;
  lines: TransferLineState[];
  deadline?: string;
  /** The deadline passed and the write-off runs: no receipt is accepted any more. */
  closing: boolean;
  shipRequested: boolean;
  /** Set by the cancel update, which only a RESERVED transfer not being shipped accepts. */
  cancelRequest?: CancelTransferRequest;
  /** Receipts accepted by the update's validator, applied in order by the main flow. */
  receipts: ReceiveTransferRequest['lines'][];
  /** Receipts applied so far: a receive update answers once its own has been. */
  applied: number;
}

/**
 * `transfer:<id>`: the API created it RESERVED (units held at the source). A `manual` source waits for
 * the warehouse's `ship` update, an `auto` one ships at once; then receipts (the `receive` update, in
 * part or in full) go into the destination's stock and wake its backorders, until everything arrived
 * (RECEIVED) or the deadline passed and the shortfall is written off (CLOSED_SHORT). Until shipped, the
 * `cancel` update releases the hold and closes it CANCELLED (waking orders waiting at the source). Ops filter with
 * WorkflowType="transferWorkflow" AND ShipmentStatus="RESERVED" (or "IN_TRANSIT").
 */
export async function transferWorkflow(input: TransferInput): Promise<TransferStatus> {
  const s: TransferState = { status: 'RESERVED', lines: input.lines, closing: false, shipRequested: false, receipts: [], applied: 0 };
  const view = (): TransferView => ({ transferId: input.transferId, status: s.status, lines: s.lines, ...(s.deadline ? { deadline: s.deadline } : {}) });
  setHandler(transferStatusQuery, view);
  setHandler(
    shipTransferUpdate,
    async (_request) => {
      s.shipRequested = true;
      await condition(() => s.status !== 'RESERVED');
      return view();
    },
    { validator: (_request) => refuseUnlessAwaitingShipment(input, s) },
  );
  setHandler(
    cancelTransferUpdate,
    async (request) => {
      s.cancelRequest = request;
      await condition(() => s.status !== 'RESERVED');
      return view();
    },
    { validator: (_request) => refuseUnlessCancellable(input, s) },
  );
  setHandler(
    receiveTransferUpdate,
    async (request) => {
      s.receipts.push(request.lines);
      const mine = s.receipts.length;
      await condition(() => s.applied >= mine);
      return view();
    },
    { validator: (request) => refuseUnlessReceivable(input, s, request) },
  );

  if (!input.autoShip) await condition(() => s.shipRequested || s.cancelRequest !== undefined);
  if (s.cancelRequest) {
    record(s, await cancelTransfer({ transferId: input.transferId, ...s.cancelRequest }));
    await wakeForTransferRelease({ transferId: input.transferId, skus: s.lines.map((line) => line.sku) });
  } else {
    record(s, await shipTransfer({ transferId: input.transferId }));
  }

  while (s.status === 'IN_TRANSIT') {
    const remaining = Math.max(0, new Date(s.deadline!).getTime() - Date.now());
    const arrived = await condition(() => s.receipts.length > s.applied, remaining);
    if (!arrived) {
      s.closing = true;
      record(s, await writeOffTransferShortfall({ transferId: input.transferId }));
      break;
    }
    const receiptNo = s.applied + 1;
    const lines = s.receipts[s.applied];
    record(s, await receiveTransfer({ transferId: input.transferId, receiptNo, lines }));
    s.applied = receiptNo;
    await wakeForTransferReceipt({ transferId: input.transferId, receiptNo, skus: lines.map((line) => line.sku) });
  }
  // Whatever ended the transfer, no receive update may wait for ever for a receipt that cannot apply.
  s.applied = s.receipts.length;
  await condition(allHandlersFinished);
  return s.status;
}

function record(s: TransferState, progress: TransferProgress): void {
  const changed = progress.status !== s.status;
  s.status = progress.status;
  s.lines = progress.lines;
  s.deadline = progress.deadline;
  if (changed) upsertSearchAttributes([{ key: ShipmentStatusKey, value: s.status }]);
}

function refusal(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function refuseUnlessAwaitingShipment(input: TransferInput, s: TransferState): void {
  if (s.status !== 'RESERVED' || s.shipRequested || s.cancelRequest) {
    const state = s.shipRequested ? 'being shipped' : s.cancelRequest ? 'being cancelled' : s.status;
    throw refusal(TransferRefusal.notAwaitingShipment, `transfer ${input.transferId} is ${state}, not RESERVED`);
  }
}

/** An `auto` source ships as soon as the workflow starts: there is no moment to cancel it in. */
function refuseUnlessCancellable(input: TransferInput, s: TransferState): void {
  if (input.autoShip || s.status !== 'RESERVED' || s.shipRequested || s.cancelRequest) {
    const state = input.autoShip || s.shipRequested ? 'shipped or being shipped' : s.cancelRequest ? 'being cancelled' : s.status;
    throw refusal(TransferRefusal.notCancellable, `transfer ${input.transferId} is ${state}; only a transfer still held at the source can be cancelled`);
  }
}

function refuseUnlessReceivable(input: TransferInput, s: TransferState, request: ReceiveTransferRequest): void {
  if (s.status !== 'IN_TRANSIT' || s.closing) {
    throw refusal(TransferRefusal.notInTransit, `transfer ${input.transferId} is ${s.closing ? 'being written off' : s.status}, not IN_TRANSIT`);
  }
  const seen = new Set<string>();
  for (const line of request.lines) {
    const state = s.lines.find((candidate) => candidate.sku === line.sku);
    if (!state) throw refusal(TransferRefusal.skuNotOnTransfer, `${line.sku} is not on transfer ${input.transferId}`);
    if (seen.has(line.sku)) throw refusal(TransferRefusal.duplicateLine, `${line.sku} appears on more than one line`);
    seen.add(line.sku);
    // Receipts accepted but not yet applied count too: two at once never receive more than shipped.
    const queued = s.receipts
      .slice(s.applied)
      .flat()
      .filter((other) => other.sku === line.sku)
      .reduce((sum, other) => sum + other.quantity, 0);
    const open = state.shipped - state.received - state.writtenOff - queued;
    if (line.quantity > open) {
      throw refusal(TransferRefusal.exceedsShipped, `${line.sku}: receiving ${line.quantity}, but only ${open} of the ${state.shipped} shipped are still expected`);
    }
  }
}

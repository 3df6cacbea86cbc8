import { Context } from '@temporalio/activity';
import type { TransferLineState, TransferProgress } from '../../workflows/transfer-definitions';

/** Hours after shipping the fake transfers' deadline falls. */
export const FAKE_TRANSFER_DEADLINE_HOURS = 48;

/**
 * In-memory transfers for workflow tests: what shipTransfer, receiveTransfer and the write-off would
 * leave in Postgres, keyed by transfer id (tests add a transfer's lines before starting its workflow).
 */
export const fakeTransfers = new Map<string, TransferProgress>();

export function addFakeTransfer(transferId: string, lines: { sku: string; quantity: number }[]): TransferLineState[] {
  const states = lines.map((line, index) => ({ lineNo: index + 1, ...line, shipped: 0, received: 0, writtenOff: 0 }));
  fakeTransfers.set(transferId, { status: 'RESERVED', lines: states });
  return states;
}

export function fakeTransferActivities(record: (
    name: 'shipTransfer' | 'cancelTransfer' | 'receiveTransfer' | 'writeOffTransferShortfall' | 'wakeForTransferReceipt' | 'wakeForTransferRelease',
    input: unknown,
  ) => Promise<void>) {
  const current = (transferId: string) => {
    const found = fakeTransfers.get(transferId);
    if (!found) throw new Error(`fake transfer ${transferId} was never added`);
    return found;
  };
  const save = (transferId: string, progress: TransferProgress) => {
    fakeTransfers.set(transferId, progress);
    return progress;
  };
  return {
    async shipTransfer(input: { transferId: string }): Promise<TransferProgress> {
      await record('shipTransfer', input);
      const transfer = current(input.transferId);
      if (transfer.status !== 'RESERVED') return transfer;
      return save(input.transferId, {
        status: 'IN_TRANSIT',
        lines: transfer.lines.map((line) => ({ ...line, shipped: line.quantity })),
        // Server time, which the time-skipping server moves ahead of the clock here.
        deadline: new Date(Context.current().info.currentAttemptScheduledTimestampMs + FAKE_TRANSFER_DEADLINE_HOURS * 3_600_000).toISOString(),
      });
    },
    async cancelTransfer(input: { transferId: string; by?: string; reason?: string }): Promise<TransferProgress> {
      await record('cancelTransfer', input);
      const transfer = current(input.transferId);
      if (transfer.status !== 'RESERVED') return transfer;
      return save(input.transferId, { ...transfer, status: 'CANCELLED' });
    },
    async wakeForTransferRelease(input: { transferId: string; skus: string[] }): Promise<void> {
      await record('wakeForTransferRelease', input);
    },
    async receiveTransfer(input: { transferId: string; receiptNo: number; lines: { sku: string; quantity: number }[] }): Promise<TransferProgress> {
      await record('receiveTransfer', input);
      const transfer = current(input.transferId);
      const lines = transfer.lines.map((line) => ({
        ...line,
        received: line.received + input.lines.filter((received) => received.sku === line.sku).reduce((sum, received) => sum + received.quantity, 0),
      }));
      return save(input.transferId, { ...transfer, lines, status: lines.every((line) => line.received === line.shipped) ? 'RECEIVED' : 'IN_TRANSIT' });
    },
    async writeOffTransferShortfall(input: { transferId: string }): Promise<TransferProgress> {
      await record('writeOffTransferShortfall', input);
      const transfer = current(input.transferId);
      const lines = transfer.lines.map((line) => ({ ...line, writtenOff: line.shipped - line.received }));
      return save(input.transferId, { ...transfer, lines, status: 'CLOSED_SHORT' });
    },
    async wakeForTransferReceipt(input: { transferId: string; receiptNo: number; skus: string[] }): Promise<void> {
      await record('wakeForTransferReceipt', input);
    },
  };
}

/**
 * The contract of the transfer workflow (`transfer:<id>`) between the API, the workflow and its
 * activities. Workflow-safe (no I/O), so both sides import it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const transferWorkflowId = (transferId: string): string => `transfer:${transferId}`;

export const TRANSFER_STATUSES = ['RESERVED', 'IN_TRANSIT', 'RECEIVED', 'CLOSED_SHORT', 'CANCELLED'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];
export const OPEN_TRANSFER_STATUSES: readonly TransferStatus[] = ['RESERVED', 'IN_TRANSIT'];

/** Why a shortfall not received by the deadline was written off. */
export const TRANSFER_WRITE_OFF_REASON = 'lost_in_transit';

/** Refusal types the ship/receive/cancel updates answer with; the API turns them into 409s and 422s. */
export const TransferRefusal = {
  notAwaitingShipment: 'transfer_not_awaiting_shipment',
  /** Shipped (or being shipped) or closed: only a transfer still held at the source can be cancelled. */
  notCancellable: 'transfer_not_cancellable',
  notInTransit: 'transfer_not_in_transit',
  skuNotOnTransfer: 'sku_not_on_transfer',
  duplicateLine: 'duplicate_line',
  exceedsShipped: 'exceeds_shipped',
} as const;

export interface TransferLineState {
  lineNo: number;
  sku: string;
  quantity: number;
  shipped: number;
  received: number;
  writtenOff: number;
}

export interface TransferInput {
  transferId: string;
  fromLocationId: string;
  toLocationId: string;
  /** The source is an `auto` (lights-out) location: the worker ships at once, nobody confirms. */
  autoShip: boolean;
  lines: TransferLineState[];
}

export interface TransferView {
  transferId: string;
  status: TransferStatus;
  lines: TransferLineState[];
  /** ISO time past which what has not arrived is written off; set when shipped. */
  deadline?: string;
}

/** What the ship and receive activities leave behind. */
export interface TransferProgress {
  status: TransferStatus;
  lines: TransferLineState[];
  deadline?: string;
}

export interface ShipTransferRequest {
  by?: string;
}

export interface CancelTransferRequest {
  by?: string;
  reason?: string;
}

export interface ReceiveTransferRequest {
  lines: { sku: string; quantity: number }[];
  by?: string;
}

export const transferStatusQuery = defineQuery<TransferView>('status');
export const shipTransferUpdate = defineUpdate<TransferView, [ShipTransferRequest]>('ship');
export const receiveTransferUpdate = defineUpdate<TransferView, [ReceiveTransferRequest]>('receive');
export const cancelTransferUpdate = defineUpdate<TransferView, [CancelTransferRequest]>('cancel');

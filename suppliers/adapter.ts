import type { Address } from '../domain/types';

/**
 * The supplier refused the dropship order (out of stock, unknown supplier SKU, order unknown):
 * sending it again cannot succeed, so callers should not retry. Adapters throw plain errors for
 * faults that may pass (5xx, timeouts, 408/429, connection resets).
 */
export class SupplierRefusedError extends Error {
  override readonly name = 'SupplierRefusedError';

  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

export interface DropshipOrderRequest {
  /** The engine's shipment id: placing twice with it returns the first order. */
  idempotencyKey: string;
  /** The engine's shipment id, echoed in every webhook about the order. */
  reference: string;
  /** The engine's supplier id; the supplier keeps stock per account and supplier SKU. */
  account: string;
  shipTo: Address;
  lines: DropshipOrderLine[];
}

export interface DropshipOrderLine {
  supplierSku: string;
  quantity: number;
}

export interface DropshipOrder {
  supplierOrderId: string;
  status: 'accepted' | 'shipped' | 'cancelled';
  /** Known once the supplier has shipped. */
  trackingNumber?: string;
  carrier?: string;
}

/** What a supplier holds of one of its SKUs for an account, as of reportedAt. */
export interface SupplierStockLevel {
  supplierSku: string;
  /** Null: the supplier sets no limit. */
  quantity: number | null;
  /** ISO 8601. */
  reportedAt: string;
}

/**
 * The engine talks to every dropship supplier through this interface; the sandbox supplier is one
 * implementation. Tracking comes back as signed webhooks, not through the adapter; stock levels come
 * both ways (polled here, or pushed as signed `supplier.stock` webhooks).
 */
export interface SupplierAdapter {
  readonly name: string;
  /** Refusals (out_of_stock, unknown_supplier_sku, …) are SupplierRefusedError. */
  placeDropshipOrder(request: DropshipOrderRequest): Promise<DropshipOrder>;
  /**
   * Cancelling an order that is already cancelled succeeds. One the supplier has already shipped
   * cannot be cancelled: the answer is 'shipped', and its parcel is on its way.
   */
  cancelDropshipOrder(supplierOrderId: string): Promise<'cancelled' | 'shipped'>;
  /** The account's stock of these SKUs; a SKU the supplier does not sell is left out of the answer. */
  stockLevels(account: string, supplierSkus: string[]): Promise<SupplierStockLevel[]>;
}

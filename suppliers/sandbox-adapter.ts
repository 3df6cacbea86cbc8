import { sandboxHttpCall, type SandboxCall, type SandboxHttpOptions } from '../infra/sandbox-http';
import { type DropshipOrder, type DropshipOrderRequest, type SupplierAdapter, SupplierRefusedError, type SupplierStockLevel } from './adapter';

export { SupplierRefusedError } from './adapter';

export type SandboxSupplierAdapterOptions = SandboxHttpOptions;

/** Talks to the sandbox supplier's HTTP API (suppliers/sandbox). */
export class SandboxSupplierAdapter implements SupplierAdapter {
  readonly name = 'sandbox';
  private readonly call: SandboxCall;

  constructor(options: SandboxSupplierAdapterOptions) {
    this.call = sandboxHttpCall('sandbox supplier', options, SupplierRefusedError);
  }

  async placeDropshipOrder(request: DropshipOrderRequest): Promise<DropshipOrder> {
    const order = await this.call<DropshipOrder>('POST', '/v1/dropship-orders', request);
    return {
      supplierOrderId: order.supplierOrderId,
      status: order.status,
      ...(order.trackingNumber === undefined ? {} : { trackingNumber: order.trackingNumber, carrier: order.carrier }),
    };
  }

  async cancelDropshipOrder(supplierOrderId: string): Promise<'cancelled' | 'shipped'> {
    try {
      await this.call('POST', `/v1/dropship-orders/${encodeURIComponent(supplierOrderId)}/cancel`);
      return 'cancelled';
    } catch (error) {
      if (error instanceof SupplierRefusedError && error.code === 'already_shipped') return 'shipped';
      throw error;
    }
  }

  async stockLevels(account: string, supplierSkus: string[]): Promise<SupplierStockLevel[]> {
    if (supplierSkus.length === 0) return [];
    const query = new URLSearchParams({ skus: supplierSkus.join(',') });
    const answer = await this.call<{ levels: SupplierStockLevel[] }>('GET', `/v1/stock/${encodeURIComponent(account)}?${query}`);
    return answer.levels.map(({ supplierSku, quantity, reportedAt }) => ({ supplierSku, quantity, reportedAt }));
  }
}

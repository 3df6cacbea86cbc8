/**
 * The dropship scenarios of `npm run record-histories`: orders whose lines a supplier ships, driven
 * through the HTTP API with the sandbox supplier (saved as `<scenario>.order.json` and
 * `<scenario>.shipment-<n>.json`, the dropship shipments' workflow type being dropshipShipmentWorkflow).
 */
import { orderWorkflowId, shipmentWorkflowId } from '../../workflows/definitions';
import type { Product } from '../../dev/harness/catalog';
import type { Recorder } from './return-scenarios';

export class DropshipScenarios {
  constructor(private readonly recorder: Recorder) {}

  /** A stocked line from the auto warehouse and a dropshipped one, each delivered. */
  async mixedDelivered(scenario: string): Promise<void> {
    const stocked = await this.recorder.product(`DS-STK-${scenario}`);
    await this.recorder.receive('WH-AUTO', [stocked]);
    const dropshipped = await this.dropshipProduct(scenario, null);
    const orderId = await this.recorder.order([stocked, dropshipped], 1);
    const supplierOrderId = await this.placed(orderId);
    await this.supplier('POST', `/dropship-orders/${supplierOrderId}/ship`, 200);
    for (const status of ['in_transit', 'out_for_delivery', 'delivered']) await this.supplier('POST', `/dropship-orders/${supplierOrderId}/events`, 201, { status });
    await this.recorder.until(orderId, 'DELIVERED');
    await this.recorder.write(`${scenario}.order`, orderWorkflowId(orderId));
    await this.recorder.write(`${scenario}.shipment-1`, shipmentWorkflowId(orderId, 1));
    await this.recorder.write(`${scenario}.shipment-2`, shipmentWorkflowId(orderId, 2));
  }

  /** The supplier has none: the wait-policy order backorders the line, then the customer cancels. */
  async refusedCancelled(scenario: string): Promise<void> {
    const dropshipped = await this.dropshipProduct(scenario, 0);
    const orderId = await this.recorder.order([dropshipped], 1);
    await this.recorder.until(orderId, 'BACKORDERED');
    const cancelled = await this.recorder.engine.call('client', 'POST', `/v1/orders/${orderId}/cancel`, { reason: 'recorded: supplier out of stock' });
    if (cancelled.status !== 200) throw new Error(`cancel: ${cancelled.status} ${JSON.stringify(cancelled.body)}`);
    await this.recorder.until(orderId, 'CANCELLED');
    await this.recorder.write(`${scenario}.order`, orderWorkflowId(orderId));
    await this.recorder.write(`${scenario}.shipment-1`, shipmentWorkflowId(orderId, 1));
  }

  private async dropshipProduct(scenario: string, supplierStock: number | null): Promise<Product> {
    const { engine } = this.recorder;
    const supplier = await engine.call('ops', 'POST', '/v1/suppliers', { name: `Recorded ${scenario}`, contact: {}, currency: 'USD', leadTimeDays: 3, paymentTerms: 'net 30' });
    const product = await this.recorder.product(`DS-${scenario}`);
    const supplierSku = `S-${product.sku}`;
    await engine.call('ops', 'PUT', `/v1/suppliers/${supplier.body.id}/products/${product.sku}`, { supplierSku, unitCostCents: 300, preferred: true });
    const marked = await engine.call('ops', 'PUT', `/v1/products/${product.sku}/dropship`, {});
    if (marked.status !== 200) throw new Error(`dropship: ${marked.status} ${JSON.stringify(marked.body)}`);
    await this.supplier('PUT', `/stock/${supplier.body.id}/${supplierSku}`, 200, { quantity: supplierStock });
    return product;
  }

  private async placed(orderId: string): Promise<string> {
    for (let tries = 0; tries < 300; tries += 1) {
      const row = await this.recorder.engine.db('dropship_orders').where({ order_id: orderId, status: 'PLACED' }).first('supplier_order_id');
      if (row) return row.supplier_order_id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`order ${orderId} was never placed with its supplier`);
  }

  private async supplier(method: string, path: string, expected: number, body?: object) {
    const { engine } = this.recorder;
    const response = await fetch(`${engine.supplierUrl}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${engine.config.supplier.sandboxApiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status !== expected) throw new Error(`supplier ${method} ${path}: ${response.status} ${await response.text()}`);
  }
}

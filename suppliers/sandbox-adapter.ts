import { type DropshipOrder, type DropshipOrderRequest, type SupplierAdapter, SupplierRefusedError } from './adapter';

export { SupplierRefusedError } from './adapter';

export interface SandboxSupplierAdapterOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
}

/** Talks to the sandbox supplier's HTTP API (suppliers/sandbox). */
export class SandboxSupplierAdapter implements SupplierAdapter {
  readonly name = 'sandbox';
  private readonly baseUrl: string;

  constructor(private readonly options: SandboxSupplierAdapterOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
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

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.options.apiKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;

    const problem = parseProblem(text);
    const message = `sandbox supplier: ${method} ${path} answered ${response.status}: ${problem.message ?? text.slice(0, 200)}`;
    // 408 and 429 ask to come back later; any other 4xx will be refused again.
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      throw new SupplierRefusedError(problem.code ?? `http_${response.status}`, message, response.status);
    }
    throw new Error(message);
  }
}

function parseProblem(text: string): { code?: string; message?: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const { code, message } = parsed as Record<string, unknown>;
      return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
    }
  } catch {
    // Not JSON (a proxy's error page, say); the raw text goes into the message.
  }
  return {};
}

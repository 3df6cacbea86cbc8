import {
  type CarrierAdapter,
  CarrierRejectedError,
  type Label,
  type LabelPiece,
  type LabelRequest,
  type ParcelLimits,
  type Rate,
  type RateRequest,
  type ReturnLabelRequest,
} from './adapter';
import { SANDBOX_PARCEL_LIMITS } from './sandbox/limits';

export { CarrierRejectedError } from './adapter';

export interface SandboxCarrierAdapterOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
}

/** Talks to the sandbox carrier's HTTP API (carriers/sandbox). */
export class SandboxCarrierAdapter implements CarrierAdapter {
  readonly name = 'sandbox';
  /** The same limits the carrier service enforces (carriers/sandbox/limits.ts). */
  readonly parcelLimits: ParcelLimits = SANDBOX_PARCEL_LIMITS;
  private readonly baseUrl: string;

  constructor(private readonly options: SandboxCarrierAdapterOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async rates(request: RateRequest): Promise<Rate[]> {
    const { rates } = await this.call<{ rates: Rate[] }>('POST', '/v1/rates', request);
    return rates;
  }

  purchaseLabel(request: LabelRequest): Promise<Label> {
    return this.buyLabel(request, false);
  }

  purchaseReturnLabel(request: ReturnLabelRequest): Promise<Label> {
    return this.buyLabel(request, true);
  }

  async voidLabel(labelId: string): Promise<'voided' | 'in_use'> {
    try {
      await this.call('POST', `/v1/labels/${encodeURIComponent(labelId)}/void`);
      return 'voided';
    } catch (error) {
      if (error instanceof CarrierRejectedError && error.code === 'label_in_use') return 'in_use';
      throw error;
    }
  }

  private async buyLabel(request: LabelRequest | ReturnLabelRequest, isReturn: boolean): Promise<Label> {
    const { idempotencyKey, ...body } = request;
    const label = await this.call<Label>('POST', '/v1/labels', { ...body, return: isReturn }, { 'Idempotency-Key': idempotencyKey });
    return {
      labelId: label.labelId,
      trackingNumber: label.trackingNumber,
      service: label.service,
      costCents: label.costCents,
      currency: label.currency,
      labelUrl: label.labelUrl,
      pieces: label.pieces.map((piece): LabelPiece => ({ trackingNumber: piece.trackingNumber, labelUrl: piece.labelUrl })),
    };
  }

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.options.apiKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;

    const problem = parseProblem(text);
    const message = `sandbox carrier: ${method} ${path} answered ${response.status}: ${problem.message ?? text.slice(0, 200)}`;
    // 408 and 429 ask to come back later; any other 4xx will be refused again.
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      throw new CarrierRejectedError(problem.code ?? `http_${response.status}`, message, response.status);
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

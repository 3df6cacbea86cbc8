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
import { sandboxHttpCall, type SandboxCall, type SandboxHttpOptions } from '../infra/sandbox-http';
import { SANDBOX_PARCEL_LIMITS } from './sandbox/limits';

export { CarrierRejectedError } from './adapter';

export type SandboxCarrierAdapterOptions = SandboxHttpOptions;

/** Talks to the sandbox carrier's HTTP API (carriers/sandbox). */
export class SandboxCarrierAdapter implements CarrierAdapter {
  readonly name = 'sandbox';
  /** The same limits the carrier service enforces (carriers/sandbox/limits.ts). */
  readonly parcelLimits: ParcelLimits = SANDBOX_PARCEL_LIMITS;
  private readonly call: SandboxCall;

  constructor(options: SandboxCarrierAdapterOptions) {
    this.call = sandboxHttpCall('sandbox carrier', options, CarrierRejectedError);
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
}

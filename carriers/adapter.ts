import type { Address } from '../domain/types';

/** The engine talks to every carrier through this interface; the sandbox carrier is one implementation. */
export interface CarrierAdapter {
  readonly name: string;
  rates(request: RateRequest): Promise<Rate[]>;
  /** Buying twice with the same idempotency key returns the first label, never a second one. */
  purchaseLabel(request: LabelRequest): Promise<Label>;
  /**
   * Voiding a label that is already void succeeds. A label whose parcel the carrier already has
   * cannot be voided: the answer is 'in_use', and the parcel is on its way.
   */
  voidLabel(labelId: string): Promise<'voided' | 'in_use'>;
}

export interface Parcel {
  weightGrams: number;
  lengthMm?: number;
  widthMm?: number;
  heightMm?: number;
}

export interface RateRequest {
  from: Address;
  to: Address;
  parcel: Parcel;
}

export interface Rate {
  service: string;
  costCents: number;
  currency: string;
  estimatedDays: number;
}

export interface LabelRequest extends RateRequest {
  idempotencyKey: string;
  /** The engine's shipment id, printed on the label. */
  reference: string;
  service?: string;
}

export interface Label {
  labelId: string;
  trackingNumber: string;
  service: string;
  costCents: number;
  currency: string;
  /** Where the printable label document can be fetched. */
  labelUrl: string;
}

import type { ParcelLimits } from '../domain/packing';
import type { Address } from '../domain/types';

export type { ParcelLimits } from '../domain/packing';

/**
 * The carrier refused the request (bad address, parcel over its limits, unknown service, label
 * already picked up): sending it again cannot succeed, so callers should not retry. Adapters throw
 * plain errors for faults that may pass (5xx, timeouts, 408/429, connection resets).
 */
export class CarrierRejectedError extends Error {
  override readonly name = 'CarrierRejectedError';

  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

/** The engine talks to every carrier through this interface; the sandbox carrier is one implementation. */
export interface CarrierAdapter {
  readonly name: string;
  /** What one parcel may weigh and measure: the engine packs shipments within these. */
  readonly parcelLimits: ParcelLimits;
  rates(request: RateRequest): Promise<Rate[]>;
  /**
   * One multi-piece label for all the shipment's parcels. Buying twice with the same idempotency
   * key returns the first label, never a second one.
   */
  purchaseLabel(request: LabelRequest): Promise<Label>;
  /**
   * A prepaid label the customer sends a return with, from their address to the warehouse. Its
   * tracking events come like a shipment's, ending in 'delivered' at the warehouse. Buying twice
   * with the same idempotency key returns the first label.
   */
  purchaseReturnLabel(request: ReturnLabelRequest): Promise<Label>;
  /**
   * Voiding a label (a shipment's or a return's) that is already void succeeds. A label whose
   * parcel the carrier already has cannot be voided: the answer is 'in_use', and the parcel is on its way.
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
  /** One or more parcels travelling together. */
  parcels: Parcel[];
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

/** `from` is the customer sending the parcel back, `to` the warehouse that receives it. */
export interface ReturnLabelRequest extends RateRequest {
  idempotencyKey: string;
  /** The engine's return id, printed on the label. */
  reference: string;
  service?: string;
}

export interface Label {
  labelId: string;
  /** The master tracking number: the carrier's tracking events for the whole shipment come on it. */
  trackingNumber: string;
  service: string;
  costCents: number;
  currency: string;
  /** Where the printable label document (one page per piece) can be fetched. */
  labelUrl: string;
  /** One per parcel, in the order of the request's parcels. */
  pieces: LabelPiece[];
}

export interface LabelPiece {
  trackingNumber: string;
  /** This piece's own label page, when the carrier offers one. */
  labelUrl?: string;
}

/**
 * A card payment gateway. Every call carries an idempotency key: repeating a call with the same
 * key returns the first outcome and moves no money twice (activities retry after crashes).
 */
export interface PaymentGateway {
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  /** An issuer may still decline a capture (an expired authorization): that is an answer, not an error. */
  capture(request: MoneyMovement): Promise<CaptureResult>;
  /** Releases part or all of the uncaptured authorization. */
  void(request: MoneyMovement): Promise<{ reference: string }>;
  refund(request: MoneyMovement): Promise<{ reference: string }>;
}

export interface AuthorizeRequest {
  idempotencyKey: string;
  /** The order id, shown to ops in the gateway's dashboard. */
  reference: string;
  amountCents: number;
  currency: string;
  paymentToken: string;
}

export type AuthorizeResult =
  | { approved: true; authorizationId: string }
  | { approved: false; declineCode: string; message: string };

export interface MoneyMovement {
  idempotencyKey: string;
  authorizationId: string;
  amountCents: number;
}

export type CaptureResult = { approved: true; reference: string } | { approved: false; declineCode: string; message: string };

export type PaymentGatewayErrorCode =
  | 'amount_exceeds_authorization'
  | 'amount_exceeds_captured'
  | 'unknown_authorization'
  | 'idempotency_key_reused'
  | 'invalid_amount';

/** A request the gateway refuses for good: repeating it cannot succeed, so callers must not retry. */
export class PaymentGatewayError extends Error {
  constructor(
    readonly code: PaymentGatewayErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PaymentGatewayError';
  }
}

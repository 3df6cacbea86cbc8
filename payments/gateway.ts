/**
 * A card payment gateway. Every call carries an idempotency key: repeating a call with the same
 * key returns the first outcome and moves no money twice (activities retry after crashes).
 */
export interface PaymentGateway {
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(request: MoneyMovement): Promise<{ reference: string }>;
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

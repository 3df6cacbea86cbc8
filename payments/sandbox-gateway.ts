import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { isUniqueViolation } from '../db/errors';
import { type AuthorizeRequest, type AuthorizeResult, type CaptureResult, type MoneyMovement, type PaymentGateway, PaymentGatewayError } from './gateway';

export { PaymentGatewayError, type PaymentGatewayErrorCode } from './gateway';

/** A movement's answer: declined ones carry their code (only captures decline). */
interface Outcome {
  reference: string;
  declineCode?: string;
}

type OperationKind = 'authorization' | 'capture' | 'void' | 'refund';

interface OperationRow {
  idempotency_key: string;
  kind: OperationKind;
  reference: string;
  authorization_id: string | null;
  amount_cents: number;
  status: 'approved' | 'declined';
  decline_code: string | null;
}

const TABLE = 'sandbox_gateway_operations';
const REFERENCE_PREFIX: Record<OperationKind, string> = { authorization: 'auth', capture: 'cap', void: 'void', refund: 'ref' };

const DECLINE_MESSAGES: Record<string, string> = {
  card_declined: 'The card was declined.',
  insufficient_funds: 'The card has insufficient funds.',
  expired_card: 'The card has expired.',
  do_not_honor: 'The issuer declined the payment (do not honor).',
  invalid_token: 'The payment token is not valid.',
  authorization_expired: 'The authorization expired before it was captured.',
};

/** A capture of exactly 7777 cents is declined, as an issuer does once an authorization has expired. */
const CAPTURE_DECLINED_CENTS = 7777;

/**
 * Decides an authorization the way the sandbox's documented test cards do:
 *
 * | payment token / amount        | outcome                    |
 * |-------------------------------|----------------------------|
 * | `tok_decline`                 | declined `card_declined`   |
 * | `tok_insufficient_funds`      | declined `insufficient_funds` |
 * | `tok_expired`                 | declined `expired_card`    |
 * | amount of exactly 6666 cents  | declined `do_not_honor`    |
 * | any other `tok_[a-z0-9_]+`, e.g. `tok_visa`, `tok_mastercard` | approved |
 * | anything else                 | declined `invalid_token`   |
 */
function declineCodeFor(paymentToken: string, amountCents: number): string | null {
  if (!/^tok_[a-z0-9_]+$/.test(paymentToken)) return 'invalid_token';
  if (paymentToken === 'tok_decline') return 'card_declined';
  if (paymentToken === 'tok_insufficient_funds') return 'insufficient_funds';
  if (paymentToken === 'tok_expired') return 'expired_card';
  if (amountCents === 6666) return 'do_not_honor';
  return null;
}

function newReference(kind: OperationKind): string {
  return `${REFERENCE_PREFIX[kind]}_${randomBytes(12).toString('hex')}`;
}

function checkAmount(amountCents: number): void {
  if (!Number.isSafeInteger(amountCents) || amountCents < 0) {
    throw new PaymentGatewayError('invalid_amount', `amount must be a whole, non-negative number of cents, got ${amountCents}`);
  }
}

/**
 * The built-in payment gateway. It keeps its books in `sandbox_gateway_operations`, so idempotency
 * and the money limits hold across process restarts and between concurrent workers:
 * - the same idempotency key returns the first outcome; with other parameters it is refused;
 * - capture and void together never exceed the authorization, refunds never exceed captures.
 * Operations on one authorization are serialized by locking the authorization's row.
 */
export class SandboxPaymentGateway implements PaymentGateway {
  constructor(private readonly db: Knex) {}

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    checkAmount(request.amountCents);
    const declineCode = declineCodeFor(request.paymentToken, request.amountCents);
    const reference = newReference('authorization');
    const row: OperationRow = {
      idempotency_key: request.idempotencyKey,
      kind: 'authorization',
      reference,
      authorization_id: declineCode ? null : reference,
      amount_cents: request.amountCents,
      status: declineCode ? 'declined' : 'approved',
      decline_code: declineCode,
    };
    await this.db(TABLE).insert(row).onConflict('idempotency_key').ignore();
    const stored = (await this.findByKey(this.db, request.idempotencyKey))!;
    this.ensureSameRequest(stored, 'authorization', request.amountCents, null);
    if (stored.status === 'approved') return { approved: true, authorizationId: stored.reference };
    const code = stored.decline_code!;
    return { approved: false, declineCode: code, message: DECLINE_MESSAGES[code] };
  }

  async capture(request: MoneyMovement): Promise<CaptureResult> {
    const { reference, declineCode } = await this.move('capture', request);
    if (declineCode) return { approved: false, declineCode, message: DECLINE_MESSAGES[declineCode] };
    return { approved: true, reference };
  }

  void(request: MoneyMovement): Promise<{ reference: string }> {
    return this.move('void', request);
  }

  refund(request: MoneyMovement): Promise<{ reference: string }> {
    return this.move('refund', request);
  }

  private async move(kind: Exclude<OperationKind, 'authorization'>, request: MoneyMovement): Promise<Outcome> {
    checkAmount(request.amountCents);
    try {
      return await this.db.transaction((trx) => this.moveLocked(trx, kind, request));
    } catch (error) {
      // The same key on another authorization raced us past the lock; its committed row is the answer.
      if (!isUniqueViolation(error)) throw error;
      const stored = await this.findByKey(this.db, request.idempotencyKey);
      if (!stored) throw error;
      return this.replay(stored, kind, request);
    }
  }

  private async moveLocked(
    trx: Knex.Transaction,
    kind: Exclude<OperationKind, 'authorization'>,
    request: MoneyMovement,
  ): Promise<Outcome> {
    const authorization = await trx<OperationRow>(TABLE)
      .where({ kind: 'authorization', status: 'approved', reference: request.authorizationId })
      .forUpdate()
      .first();
    const stored = await this.findByKey(trx, request.idempotencyKey);
    if (stored) return this.replay(stored, kind, request);
    if (!authorization) {
      throw new PaymentGatewayError('unknown_authorization', `no approved authorization ${request.authorizationId}`);
    }

    const totals = await this.totalsOf(trx, request.authorizationId);
    if (kind === 'refund') {
      const refundable = totals.capture - totals.refund;
      if (request.amountCents > refundable) {
        throw new PaymentGatewayError(
          'amount_exceeds_captured',
          `refund of ${request.amountCents} exceeds the ${refundable} captured and not yet refunded on ${request.authorizationId}`,
        );
      }
    } else {
      const open = authorization.amount_cents - totals.capture - totals.void;
      if (request.amountCents > open) {
        throw new PaymentGatewayError(
          'amount_exceeds_authorization',
          `${kind} of ${request.amountCents} exceeds the ${open} left open on ${request.authorizationId}`,
        );
      }
    }

    const reference = newReference(kind);
    const declineCode = kind === 'capture' && request.amountCents === CAPTURE_DECLINED_CENTS ? 'authorization_expired' : null;
    await trx(TABLE).insert({
      idempotency_key: request.idempotencyKey,
      kind,
      reference,
      authorization_id: request.authorizationId,
      amount_cents: request.amountCents,
      status: declineCode ? 'declined' : 'approved',
      decline_code: declineCode,
    } satisfies OperationRow);
    return declineCode ? { reference, declineCode } : { reference };
  }

  private async totalsOf(trx: Knex.Transaction, authorizationId: string): Promise<Record<'capture' | 'void' | 'refund', number>> {
    const rows: { kind: OperationKind; total: number }[] = await trx(TABLE)
      .select('kind')
      .sum({ total: 'amount_cents' })
      .where({ authorization_id: authorizationId, status: 'approved' })
      .whereIn('kind', ['capture', 'void', 'refund'])
      .groupBy('kind');
    const totals = { capture: 0, void: 0, refund: 0 };
    for (const row of rows) totals[row.kind as keyof typeof totals] = Number(row.total);
    return totals;
  }

  private replay(stored: OperationRow, kind: OperationKind, request: MoneyMovement): Outcome {
    this.ensureSameRequest(stored, kind, request.amountCents, request.authorizationId);
    return stored.decline_code ? { reference: stored.reference, declineCode: stored.decline_code } : { reference: stored.reference };
  }

  /** The books keep kind, amount and authorization; a key reused for anything else is a caller bug. */
  private ensureSameRequest(stored: OperationRow, kind: OperationKind, amountCents: number, authorizationId: string | null): void {
    const same =
      stored.kind === kind &&
      stored.amount_cents === amountCents &&
      (authorizationId === null || stored.authorization_id === authorizationId);
    if (!same) {
      const first = `${stored.kind} of ${stored.amount_cents}${stored.authorization_id ? ` on ${stored.authorization_id}` : ''}`;
      throw new PaymentGatewayError(
        'idempotency_key_reused',
        `idempotency key ${stored.idempotency_key} was first used for a different request (${first})`,
      );
    }
  }

  private findByKey(db: Knex | Knex.Transaction, idempotencyKey: string): Promise<OperationRow | undefined> {
    return db<OperationRow>(TABLE).where({ idempotency_key: idempotencyKey }).first();
  }
}

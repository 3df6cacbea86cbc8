import { randomUUID } from 'node:crypto';
import { createDb, Db } from '../../db/knex';
import type { AuthorizeRequest } from '../../payments/gateway';
import { PaymentGatewayError, SandboxPaymentGateway } from '../../payments/sandbox-gateway';

let db: Db;
let gateway: SandboxPaymentGateway;

beforeAll(() => {
  db = createDb(process.env.DATABASE_URL!, 12);
  gateway = new SandboxPaymentGateway(db);
});

afterAll(() => db.destroy());

const key = (label: string) => `gw-test:${label}:${randomUUID()}`;

function authorization(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    idempotencyKey: key('auth'),
    reference: 'order-1',
    amountCents: 10_000,
    currency: 'USD',
    paymentToken: 'tok_visa',
    ...overrides,
  };
}

async function approvedAuthorization(amountCents = 10_000): Promise<string> {
  const result = await gateway.authorize(authorization({ amountCents }));
  if (!result.approved) throw new Error(`expected approval, got ${result.declineCode}`);
  return result.authorizationId;
}

async function rowsWithKey(idempotencyKey: string) {
  return db('sandbox_gateway_operations').where({ idempotency_key: idempotencyKey });
}

async function gatewayErrorCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected the gateway to refuse');
    },
    (refusal: unknown) => refusal,
  );
  expect(error).toBeInstanceOf(PaymentGatewayError);
  return (error as PaymentGatewayError).code;
}

describe('authorize', () => {
  it.each(['tok_visa', 'tok_mastercard', 'tok_some_other_card_42'])('approves %s', async (paymentToken) => {
    const request = authorization({ paymentToken });
    const result = await gateway.authorize(request);
    expect(result).toEqual({ approved: true, authorizationId: expect.stringMatching(/^auth_[0-9a-f]+$/) });
    const [row] = await rowsWithKey(request.idempotencyKey);
    expect(row).toMatchObject({ kind: 'authorization', status: 'approved', amount_cents: 10_000, decline_code: null });
  });

  it.each([
    ['tok_decline', 10_000, 'card_declined'],
    ['tok_insufficient_funds', 10_000, 'insufficient_funds'],
    ['tok_expired', 10_000, 'expired_card'],
    ['tok_visa', 6666, 'do_not_honor'],
    ['tok_Visa', 10_000, 'invalid_token'],
    ['card_4242', 10_000, 'invalid_token'],
    ['tok_', 10_000, 'invalid_token'],
  ])('declines %s for %i cents with %s', async (paymentToken, amountCents, declineCode) => {
    const request = authorization({ paymentToken, amountCents });
    const result = await gateway.authorize(request);
    expect(result).toEqual({ approved: false, declineCode, message: expect.any(String) });
    const [row] = await rowsWithKey(request.idempotencyKey);
    expect(row).toMatchObject({ status: 'declined', decline_code: declineCode, authorization_id: null });
  });

  it('repeats return the first outcome and write one row', async () => {
    const request = authorization();
    const results = await Promise.all([gateway.authorize(request), gateway.authorize(request), gateway.authorize(request)]);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await gateway.authorize(request)).toEqual(results[0]);
    expect(await rowsWithKey(request.idempotencyKey)).toHaveLength(1);
  });

  it('a repeated decline stays a decline', async () => {
    const request = authorization({ paymentToken: 'tok_decline' });
    const first = await gateway.authorize(request);
    expect(await gateway.authorize(request)).toEqual(first);
    expect(await rowsWithKey(request.idempotencyKey)).toHaveLength(1);
  });

  it('remembers outcomes across gateway instances (the table is the memory)', async () => {
    const request = authorization();
    const first = await gateway.authorize(request);
    expect(await new SandboxPaymentGateway(db).authorize(request)).toEqual(first);
  });

  it('refuses a key reused with another amount', async () => {
    const request = authorization();
    await gateway.authorize(request);
    expect(await gatewayErrorCode(gateway.authorize({ ...request, amountCents: 9_999 }))).toBe('idempotency_key_reused');
  });

  it('refuses a negative or fractional amount', async () => {
    expect(await gatewayErrorCode(gateway.authorize(authorization({ amountCents: -1 })))).toBe('invalid_amount');
    expect(await gatewayErrorCode(gateway.authorize(authorization({ amountCents: 10.5 })))).toBe('invalid_amount');
  });
});

describe('capture and void', () => {
  it('captures in parts up to the authorized amount, then refuses', async () => {
    const authorizationId = await approvedAuthorization(10_000);
    const first = await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 6_000 });
    expect(first).toEqual({ approved: true, reference: expect.stringMatching(/^cap_[0-9a-f]+$/) });
    await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 4_000 });
    expect(await gatewayErrorCode(gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 1 }))).toBe(
      'amount_exceeds_authorization',
    );
  });

  it('declines a capture of exactly 77.77 (an expired authorization), the same way on a retry, and moves no money', async () => {
    const authorizationId = await approvedAuthorization(10_000);
    const request = { idempotencyKey: key('cap'), authorizationId, amountCents: 7_777 };
    const declined = await gateway.capture(request);
    expect(declined).toEqual({ approved: false, declineCode: 'authorization_expired', message: expect.any(String) });
    expect(await gateway.capture(request)).toEqual(declined);
    const next = await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 10_000 });
    expect(next.approved).toBe(true);
  });

  it('a repeated capture returns the same reference and moves the money once', async () => {
    const authorizationId = await approvedAuthorization(10_000);
    const request = { idempotencyKey: key('cap'), authorizationId, amountCents: 7_000 };
    const first = await gateway.capture(request);
    expect(await gateway.capture(request)).toEqual(first);
    expect(await rowsWithKey(request.idempotencyKey)).toHaveLength(1);
    // Were the repeat counted, only 3,000 would be left open rather than nothing beyond it.
    await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 3_000 });
  });

  it('refuses a capture key reused with another amount or kind', async () => {
    const authorizationId = await approvedAuthorization(10_000);
    const request = { idempotencyKey: key('cap'), authorizationId, amountCents: 1_000 };
    await gateway.capture(request);
    expect(await gatewayErrorCode(gateway.capture({ ...request, amountCents: 2_000 }))).toBe('idempotency_key_reused');
    expect(await gatewayErrorCode(gateway.void(request))).toBe('idempotency_key_reused');
  });

  it('one key sent concurrently for two authorizations moves money on one of them only', async () => {
    const [first, second] = await Promise.all([approvedAuthorization(), approvedAuthorization()]);
    const idempotencyKey = key('cap');
    const outcomes = await Promise.allSettled([
      gateway.capture({ idempotencyKey, authorizationId: first, amountCents: 1_000 }),
      gateway.capture({ idempotencyKey, authorizationId: second, amountCents: 1_000 }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!;
    expect(refusal.reason).toMatchObject({ code: 'idempotency_key_reused' });
    expect(await rowsWithKey(idempotencyKey)).toHaveLength(1);
  });

  it('voids the remainder after a partial capture, after which nothing is left', async () => {
    const authorizationId = await approvedAuthorization(10_000);
    await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 2_500 });
    expect(await gatewayErrorCode(gateway.void({ idempotencyKey: key('void'), authorizationId, amountCents: 7_501 }))).toBe(
      'amount_exceeds_authorization',
    );
    const voided = await gateway.void({ idempotencyKey: key('void'), authorizationId, amountCents: 7_500 });
    expect(voided.reference).toMatch(/^void_[0-9a-f]+$/);
    expect(await gatewayErrorCode(gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 1 }))).toBe(
      'amount_exceeds_authorization',
    );
  });

  it('refuses movements on an unknown or declined authorization', async () => {
    const movement = { idempotencyKey: key('cap'), authorizationId: 'auth_missing', amountCents: 100 };
    expect(await gatewayErrorCode(gateway.capture(movement))).toBe('unknown_authorization');
    expect(await gatewayErrorCode(gateway.void(movement))).toBe('unknown_authorization');
    expect(await gatewayErrorCode(gateway.refund(movement))).toBe('unknown_authorization');

    const declined = authorization({ paymentToken: 'tok_decline' });
    await gateway.authorize(declined);
    const [row] = await rowsWithKey(declined.idempotencyKey);
    expect(await gatewayErrorCode(gateway.capture({ ...movement, authorizationId: row.reference }))).toBe(
      'unknown_authorization',
    );
  });

  it('concurrent captures beyond the authorization: only those that fit succeed', async () => {
    const authorizationId = await approvedAuthorization(10_000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 24 }, () => gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 1_500 })),
    );
    const succeeded = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(succeeded).toHaveLength(6);
    for (const refusal of refused) expect(refusal.reason).toMatchObject({ code: 'amount_exceeds_authorization' });

    const [{ total }] = await db('sandbox_gateway_operations')
      .sum({ total: 'amount_cents' })
      .where({ authorization_id: authorizationId, kind: 'capture' });
    expect(Number(total)).toBe(9_000);
  });
});

describe('refund', () => {
  it('refunds up to what was captured, in parts, and no more', async () => {
    const authorizationId = await approvedAuthorization(10_000);
    expect(await gatewayErrorCode(gateway.refund({ idempotencyKey: key('ref'), authorizationId, amountCents: 1 }))).toBe(
      'amount_exceeds_captured',
    );
    await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 4_000 });
    const refund = await gateway.refund({ idempotencyKey: key('ref'), authorizationId, amountCents: 1_500 });
    expect(refund.reference).toMatch(/^ref_[0-9a-f]+$/);
    expect(await gatewayErrorCode(gateway.refund({ idempotencyKey: key('ref'), authorizationId, amountCents: 2_501 }))).toBe(
      'amount_exceeds_captured',
    );
    await gateway.refund({ idempotencyKey: key('ref'), authorizationId, amountCents: 2_500 });
  });

  it('a refund does not reopen the authorization for capture', async () => {
    const authorizationId = await approvedAuthorization(5_000);
    await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 5_000 });
    await gateway.refund({ idempotencyKey: key('ref'), authorizationId, amountCents: 5_000 });
    expect(await gatewayErrorCode(gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 1 }))).toBe(
      'amount_exceeds_authorization',
    );
  });

  it('a repeated refund returns the same reference and moves the money once', async () => {
    const authorizationId = await approvedAuthorization(5_000);
    await gateway.capture({ idempotencyKey: key('cap'), authorizationId, amountCents: 5_000 });
    const request = { idempotencyKey: key('ref'), authorizationId, amountCents: 3_000 };
    const results = await Promise.all([gateway.refund(request), gateway.refund(request)]);
    expect(results[1]).toEqual(results[0]);
    expect(await rowsWithKey(request.idempotencyKey)).toHaveLength(1);
    await gateway.refund({ idempotencyKey: key('ref'), authorizationId, amountCents: 2_000 });
  });
});

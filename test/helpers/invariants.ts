import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { checkInvariants } from '../../db/invariants';

const SHOWN = 50;

/** Fails with every violated invariant listed; for afterEach/afterAll in integration tests. */
export async function expectInvariants(db: Knex, temporal?: Client): Promise<void> {
  const violations = await checkInvariants(db, { temporal });
  if (violations.length === 0) return;
  const more = violations.length > SHOWN ? [`… and ${violations.length - SHOWN} more`] : [];
  throw new Error(
    [`${violations.length} invariant violation(s):`, ...violations.slice(0, SHOWN).map((v) => `  - ${v}`), ...more].join('\n'),
  );
}

import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { checkAllInvariants } from '../../infra/workflow-invariants';

const SHOWN = 50;

/**
 * Fails with every violated invariant listed (the database's, and the workflows' when `temporal` is
 * given); for afterEach/afterAll in integration tests.
 */
export async function expectInvariants(db: Knex, temporal?: Client): Promise<void> {
  const violations = await checkAllInvariants(db, { temporal });
  if (violations.length === 0) return;
  const more = violations.length > SHOWN ? [`… and ${violations.length - SHOWN} more`] : [];
  throw new Error(
    [`${violations.length} invariant violation(s):`, ...violations.slice(0, SHOWN).map((v) => `  - ${v}`), ...more].join('\n'),
  );
}

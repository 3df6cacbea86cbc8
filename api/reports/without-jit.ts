import type { Knex } from 'knex';

/**
 * Runs report queries with Postgres's JIT compilation off, in a transaction of their own (SET LOCAL
 * ends with it). Report plans over a year of ledger pass jit_above_cost, and compiling them took
 * longer than running them: up to 1.2 s per query of the KPI report on 200,000 ledger rows, where
 * the query itself ran in under 0.2 s. They read many rows but do little with each, which is where
 * JIT gains least.
 */
export function withoutJit<T>(db: Knex, run: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw('SET LOCAL jit = off');
    return run(trx);
  });
}

/** One report query (`db.raw`'s arguments) with JIT off. */
export function rawWithoutJit(db: Knex, sql: string, bindings: Knex.ValueDict): Promise<{ rows: any[] }> {
  return withoutJit(db, (trx) => trx.raw(sql, bindings));
}

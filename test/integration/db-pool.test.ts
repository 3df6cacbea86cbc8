import { KnexTimeoutError } from 'knex';
import { createDb, DEFAULT_ACQUIRE_TIMEOUT_MS } from '../../db/knex';

describe('createDb pool options', () => {
  it('waits 10 s for a free connection by default', async () => {
    const db = createDb(process.env.DATABASE_URL!, 1);
    try {
      expect(DEFAULT_ACQUIRE_TIMEOUT_MS).toBe(10_000);
      expect(db.client.config.acquireConnectionTimeout).toBe(10_000);
    } finally {
      await db.destroy();
    }
  });

  it('fails a query with a timeout once the pool stays exhausted for acquireTimeoutMs', async () => {
    const knexLog = jest.spyOn(console, 'log').mockImplementation(() => {}); // knex logs the timeout too
    const db = createDb(process.env.DATABASE_URL!, 1, { acquireTimeoutMs: 300 });
    const trx = await holdTheOnlyConnection(db);
    try {
      const started = Date.now();
      const error = await db.raw('SELECT 1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KnexTimeoutError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await trx.rollback();
      await db.destroy();
      knexLog.mockRestore();
    }
  });
});

/** Opening the connection can itself take longer than the short timeout on a loaded machine: try again. */
async function holdTheOnlyConnection(db: ReturnType<typeof createDb>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction();
    } catch (error) {
      if (!(error instanceof KnexTimeoutError) || attempt >= 20) throw error;
    }
  }
}

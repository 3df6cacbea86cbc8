import type { Client } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Knex } from 'knex';
import type { ParcelLimits } from '../domain/packing';
import type { Config } from '../infra/config';

/** How long the API waits on Temporal before answering without it. */
export interface TemporalTimeouts {
  /** Live status queries; past this the response carries the database projection alone. */
  queryMs: number;
  /** Updates (cancel, pick, scan) and signals. */
  updateMs: number;
  /** Starting a workflow for a row just committed. */
  startMs: number;
}

export const DEFAULT_TIMEOUTS: TemporalTimeouts = { queryMs: 2_000, updateMs: 30_000, startMs: 10_000 };

export interface ApiDeps {
  db: Knex;
  temporal: Client;
  config: Config;
  logger?: FastifyServerOptions['logger'];
  timeouts?: Partial<TemporalTimeouts>;
  /** How long a valid API key's lookup is cached (default 5 s); a revoked key works at most this long. */
  authCacheMs?: number;
  /** Most API keys cached at once (default 10 000). */
  authCacheMaxEntries?: number;
  /** Parcel limits of every carrier the engine may ship with (default: the configured carrier's). */
  carrierLimits?: ParcelLimits[];
}

/** What every route plugin receives as its options. */
export interface RouteDeps {
  db: Knex;
  temporal: Client;
  config: Config;
  timeouts: TemporalTimeouts;
  /** A product no carrier can take in a parcel is refused at intake. */
  carrierLimits: ParcelLimits[];
}

/** Runs Temporal calls with a deadline, so a slow or absent server cannot hold a request forever. */
export function within<T>(deps: RouteDeps, ms: number, run: () => Promise<T>): Promise<T> {
  return deps.temporal.withDeadline(Date.now() + ms, run);
}

/**
 * Starts the workflow for a row just committed. The row is accepted whatever happens next: if
 * Temporal cannot be reached now, the worker's sweep starts workflows for rows left without one.
 */
export async function startAfterCommit(log: FastifyBaseLogger, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    log.error({ err: error }, 'committed, but the workflow could not be started now; the sweep will start it');
  }
}

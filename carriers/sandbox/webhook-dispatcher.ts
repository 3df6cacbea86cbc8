import type { FastifyBaseLogger } from 'fastify';
import type { Knex } from 'knex';
import { signWebhook } from '../../domain/webhook-signature';
import { SCHEMA } from './schema';

export interface DispatcherSettings {
  /** Pause between looks for due events while there is nothing more to send. */
  pollIntervalMs: number;
  /** Events claimed per query. */
  batchSize: number;
  /** Webhooks in flight at once; each is for a different parcel. */
  maxInFlight: number;
  /** First retry delay; it doubles per failed attempt up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  pollIntervalMs: 250,
  batchSize: 25,
  maxInFlight: 100,
  retryBaseMs: 1000,
  retryMaxMs: 30_000,
  requestTimeoutMs: 10_000,
};

/** A claimed event outlives a request that timed out by this much, so no one else resends it meanwhile. */
const LEASE_MARGIN_MS = 5000;

/** A claimed event: its whole row, of which the dispatcher itself needs only these columns. */
type DueEvent = { id: string; attempts: number } & Record<string, unknown>;

/**
 * Where a sandbox service keeps its outgoing webhook events and how they look on the wire. The table
 * has the columns seq, id, occurred_at, next_attempt_at, attempts, last_error and delivered_at, plus
 * the account and group columns named here.
 */
export interface WebhookQueue {
  /** Who sends, for log messages. */
  sender: string;
  /** Schema-qualified name of the events table. */
  table: string;
  /** The column of the API account whose events one dispatcher sends. */
  accountColumn: string;
  /** Events with the same value here go out one after another, in occurred_at, seq order. */
  groupColumn: string;
  /** Headers X-<headerPrefix>-Timestamp and X-<headerPrefix>-Signature. */
  headerPrefix: string;
  /** The JSON body of an event, from its row. */
  body(event: DueEvent): Record<string, unknown>;
}

/** The sandbox carrier's tracking events, one parcel (label) after another. */
export const CARRIER_TRACKING_QUEUE: WebhookQueue = {
  sender: 'sandbox carrier',
  table: `${SCHEMA}.events`,
  accountColumn: 'account_id',
  groupColumn: 'label_id',
  headerPrefix: 'Carrier',
  body: (event) => ({
    id: event.id,
    type: 'tracking.updated',
    trackingNumber: event.tracking_number,
    status: event.status,
    occurredAt: (event.occurred_at as Date).toISOString(),
    description: event.description,
  }),
};

/**
 * Delivers a sandbox service's events to the engine's webhook, at least once and in order per group
 * (the carrier's parcel, the supplier's order). Events wait in Postgres; the dispatcher claims the
 * due ones that are first in line for their group, so groups progress in parallel while each
 * group's events go out one after another.
 * A claim is a lease (next_attempt_at moved past the request timeout): if this process dies
 * mid-request, another instance, or this one after a restart, sends the event again.
 */
export class WebhookDispatcher {
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeUp?: () => void;

  constructor(
    private readonly options: {
      db: Knex;
      accountId: string;
      webhookUrl: string;
      webhookSecret: string;
      logger: FastifyBaseLogger;
      settings: DispatcherSettings;
      /** The carrier's tracking events unless given. */
      queue?: WebhookQueue;
    },
  ) {
    this.queue = options.queue ?? CARRIER_TRACKING_QUEUE;
  }

  private readonly queue: WebhookQueue;

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming events and waits for the webhooks in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  private async run(): Promise<void> {
    const { batchSize, maxInFlight } = this.options.settings;
    while (this.running) {
      const room = Math.min(batchSize, maxInFlight - this.inFlight.size);
      let claimed: DueEvent[] = [];
      if (room > 0) {
        try {
          claimed = await this.claimDueEvents(room);
        } catch (error) {
          this.options.logger.error({ err: error }, `${this.queue.sender}: could not claim due webhook events`);
        }
        for (const event of claimed) this.track(this.deliver(event));
      }
      // A full batch means more may be due right now; otherwise wait for the next poll.
      if (this.running && (room === 0 || claimed.length < room)) await this.pause();
    }
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => {
      this.inFlight.delete(delivery);
      // A full dispatcher pauses until a slot frees up.
      if (this.inFlight.size === this.options.settings.maxInFlight - 1) this.wakeUp?.();
    });
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), this.options.settings.pollIntervalMs);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }

  /** Due events that are first in line for their group: nothing earlier of the same group is still to be sent. */
  private async claimDueEvents(limit: number): Promise<DueEvent[]> {
    const { table, accountColumn, groupColumn } = this.queue;
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.options.settings.requestTimeoutMs + LEASE_MARGIN_MS);
    const { rows } = await this.options.db.raw<{ rows: DueEvent[] }>(
      `UPDATE ${table} SET next_attempt_at = :leaseUntil, attempts = attempts + 1
       WHERE seq IN (
         SELECT e.seq FROM ${table} e
         WHERE e.${accountColumn} = :accountId AND e.next_attempt_at <= :now
           AND e.seq = (
             SELECT head.seq FROM ${table} head
             WHERE head.${groupColumn} = e.${groupColumn} AND head.next_attempt_at IS NOT NULL
             ORDER BY head.occurred_at, head.seq
             LIMIT 1)
         ORDER BY e.next_attempt_at
         LIMIT :limit
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      { leaseUntil, accountId: this.options.accountId, now, limit },
    );
    return rows;
  }

  private async deliver(event: DueEvent): Promise<void> {
    const { webhookUrl, webhookSecret, settings, logger } = this.options;
    const { headerPrefix, groupColumn, sender } = this.queue;
    // The body, and so the event id, is the same on every attempt; only the signature's timestamp moves.
    const body = JSON.stringify(this.queue.body(event));
    const timestamp = Math.floor(Date.now() / 1000);
    let failure: string | undefined;
    try {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          [`X-${headerPrefix}-Timestamp`]: String(timestamp),
          [`X-${headerPrefix}-Signature`]: signWebhook(webhookSecret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(settings.requestTimeoutMs),
      });
      await response.text(); // read to the end so the connection can be reused
      if (!response.ok) failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = describeError(error);
    }

    // Unless another dispatcher claimed the event since, because this attempt outlived its lease.
    const events = this.options.db.table(this.queue.table).where({ id: event.id, attempts: event.attempts });
    try {
      if (failure === undefined) {
        await events.update({ delivered_at: new Date(), next_attempt_at: null, last_error: null });
        logger.debug({ eventId: event.id, [groupColumn]: event[groupColumn], status: event.status }, 'webhook delivered');
        return;
      }
      const delayMs = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (event.attempts - 1));
      await events.update({ next_attempt_at: new Date(Date.now() + delayMs), last_error: failure.slice(0, 500) });
      logger.warn(
        { eventId: event.id, [groupColumn]: event[groupColumn], attempt: event.attempts, retryInMs: delayMs, error: failure },
        'webhook delivery failed, will retry',
      );
    } catch (error) {
      // The lease runs out and the event is sent again: at least once, never lost.
      logger.error({ err: error, eventId: event.id }, `${sender}: could not record a webhook attempt`);
    }
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

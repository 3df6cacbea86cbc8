import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Knex } from 'knex';
import { signWebhook } from '../domain/webhook-signature';
import {
  type WebhookAttemptInput,
  type WebhookAttemptResult,
  type WebhookDeliveryInput,
  type WebhookRetrySettings,
  webhookDeliveryWorkflowId,
} from '../workflows/webhook-delivery-definitions';

export interface WebhookDispatchResult {
  events: number;
  deliveries: number;
  started: number;
}

const PAGE = 100;
/** Rows deleted per statement by retention, and statements per dispatcher run: a backlog is worked off over runs, never delaying dispatch long. */
const PRUNE_BATCH = 500;
const PRUNE_BATCHES_PER_RUN = 20;

export interface PrunedWebhooks {
  deliveries: number;
  events: number;
}

export const newDeliveryId = (): string => `dlv_${randomBytes(10).toString('hex')}`;

/**
 * An endpoint's subscription matches an event type exactly, by its prefix (`order.*`) or as `*`;
 * `endpoint` and `event` are the SQL aliases of the two rows.
 */
const SUBSCRIBED = `(event.type = ANY(endpoint.event_types)
  OR split_part(event.type, '.', 1) || '.*' = ANY(endpoint.event_types)
  OR '*' = ANY(endpoint.event_types))`;

export function outboundWebhookActivities(db: Knex, temporal: Client) {
  return {
    /** Run by the dispatch Schedule: new events become deliveries, and each delivery gets its workflow. */
    async dispatchOutboundEvents(input: { retry: WebhookRetrySettings }): Promise<WebhookDispatchResult> {
      const context = Context.current();
      const result: WebhookDispatchResult = { events: 0, deliveries: 0, started: 0 };
      for (;;) {
        const page = await fanOutEvents(db);
        result.events += page.events;
        result.deliveries += page.deliveries;
        context.heartbeat();
        if (page.events < PAGE) break;
      }
      for (;;) {
        const unstarted: { id: string }[] = await db('webhook_deliveries').whereNull('workflow_started_at').orderBy('created_at').limit(PAGE).select('id');
        for (const { id } of unstarted) {
          await startDeliveryWorkflow(temporal, context.info.taskQueue, db, { deliveryId: id, retry: input.retry });
          result.started += 1;
        }
        context.heartbeat();
        if (unstarted.length < PAGE) break;
      }
      return result;
    },

    /**
     * One POST of a delivery, recorded as its attempt `attemptNo` with the delivery's new status in one
     * transaction. A retry of the activity after the attempt was recorded answers from the record
     * (a retry before that may post again: receivers dedupe by X-Webhook-Id).
     */
    async attemptWebhookDelivery(input: WebhookAttemptInput): Promise<WebhookAttemptResult> {
      const recorded = await db('webhook_delivery_attempts as a')
        .join('webhook_deliveries as d', 'd.id', 'a.delivery_id')
        .where({ 'a.delivery_id': input.deliveryId, 'a.attempt_no': input.attemptNo })
        .first('d.status', 'a.status_code');
      if (recorded) return { status: recorded.status, statusCode: recorded.status_code };

      const delivery = await db('webhook_deliveries as d')
        .join('outbound_events as event', 'event.id', 'd.event_id')
        .join('webhook_endpoints as endpoint', 'endpoint.id', 'd.endpoint_id')
        .where('d.id', input.deliveryId)
        .first(
          'd.status',
          'event.id as event_id',
          'event.type',
          'event.data',
          'event.created_at',
          'endpoint.url',
          'endpoint.secret',
          // The database's clock decides the end of a rotation's grace period, as it set it.
          db.raw('CASE WHEN endpoint.previous_secret_expires_at > now() THEN endpoint.previous_secret END AS previous_secret'),
          'endpoint.active',
        );
      if (!delivery) throw new Error(`webhook delivery ${input.deliveryId} not found`);
      if (delivery.status !== 'PENDING') return { status: delivery.status, statusCode: null };
      if (!delivery.active) {
        await finish(db, input.deliveryId, 'FAILED', { last_error: 'the endpoint was deactivated' });
        return { status: 'FAILED', statusCode: null };
      }

      const body = JSON.stringify({ id: eventId(delivery.event_id), type: delivery.type, createdAt: new Date(delivery.created_at).toISOString(), data: delivery.data });
      const startedAt = new Date();
      const secrets = [delivery.secret, ...(delivery.previous_secret ? [delivery.previous_secret] : [])];
      const outcome = await post(delivery.url, body, secrets, {
        'x-webhook-id': eventId(delivery.event_id),
        'x-webhook-event': delivery.type,
        'x-webhook-delivery': input.deliveryId,
        'x-webhook-attempt': String(input.attemptNo),
      }, input.timeoutMs);
      const durationMs = Date.now() - startedAt.getTime();

      const status = outcome.ok ? 'DELIVERED' : input.retryInSeconds === null ? 'FAILED' : 'PENDING';
      await db.transaction(async (trx) => {
        const [inserted] = await trx('webhook_delivery_attempts')
          .insert({
            delivery_id: input.deliveryId,
            attempt_no: input.attemptNo,
            started_at: startedAt,
            duration_ms: durationMs,
            status_code: outcome.statusCode,
            error: outcome.error,
            succeeded: outcome.ok,
          })
          .onConflict(['delivery_id', 'attempt_no'])
          .ignore()
          .returning('attempt_no');
        if (!inserted) return;
        const fields = {
          attempts: input.attemptNo,
          last_status_code: outcome.statusCode,
          last_error: outcome.error,
          next_attempt_at: status === 'PENDING' ? new Date(Date.now() + input.retryInSeconds! * 1000) : null,
        };
        if (status === 'PENDING') await trx('webhook_deliveries').where({ id: input.deliveryId }).update({ ...fields, updated_at: trx.fn.now() });
        else await finish(trx, input.deliveryId, status, fields);
      });
      return { status, statusCode: outcome.statusCode };
    },

    /**
     * Run by the dispatcher after dispatching: deletes DELIVERED deliveries (with their attempts)
     * finished more than retentionDays ago, then dispatched events older than that with no delivery
     * left. FAILED and PENDING deliveries, and so their events, are kept. Batched, and capped per run.
     */
    async pruneOutboundWebhooks(input: { retentionDays: number }): Promise<PrunedWebhooks> {
      const context = Context.current();
      const pruned: PrunedWebhooks = { deliveries: 0, events: 0 };
      for (let batch = 0; batch < PRUNE_BATCHES_PER_RUN; batch += 1) {
        const deleted = await pruneDeliveries(db, input.retentionDays);
        pruned.deliveries += deleted;
        context.heartbeat();
        if (deleted < PRUNE_BATCH) break;
      }
      for (let batch = 0; batch < PRUNE_BATCHES_PER_RUN; batch += 1) {
        const deleted = await pruneEvents(db, input.retentionDays);
        pruned.events += deleted;
        context.heartbeat();
        if (deleted < PRUNE_BATCH) break;
      }
      return pruned;
    },
  };
}

/** One batch of old DELIVERED deliveries and their attempts, in one statement. */
async function pruneDeliveries(db: Knex, retentionDays: number): Promise<number> {
  const { rows } = await db.raw(
    `WITH batch AS (
       SELECT id FROM webhook_deliveries
       WHERE status = 'DELIVERED' AND finished_at < now() - make_interval(days => ?)
       ORDER BY finished_at LIMIT ? FOR UPDATE SKIP LOCKED),
     attempts AS (DELETE FROM webhook_delivery_attempts a USING batch WHERE a.delivery_id = batch.id)
     DELETE FROM webhook_deliveries d USING batch WHERE d.id = batch.id RETURNING d.id`,
    [retentionDays, PRUNE_BATCH],
  );
  return rows.length;
}

/**
 * One batch of old dispatched events no delivery refers to any more (all delivered and pruned, or
 * none subscribed). An emitter retrying with an event's key after this would write it again;
 * emitters retry within minutes, retention is days.
 */
async function pruneEvents(db: Knex, retentionDays: number): Promise<number> {
  const { rows } = await db.raw(
    `DELETE FROM outbound_events WHERE id IN (
       SELECT event.id FROM outbound_events event
       WHERE event.dispatched_at IS NOT NULL AND event.created_at < now() - make_interval(days => ?)
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = event.id)
       ORDER BY event.created_at LIMIT ? FOR UPDATE SKIP LOCKED)
     RETURNING id`,
    [retentionDays, PRUNE_BATCH],
  );
  return rows.length;
}

export const eventId = (id: number | string): string => `evt_${id}`;

/** A page of undispatched events, oldest first, each fanned out to the active endpoints subscribed to it. */
async function fanOutEvents(db: Knex): Promise<{ events: number; deliveries: number }> {
  return db.transaction(async (trx) => {
    const events: { id: number }[] = await trx('outbound_events')
      .whereNull('dispatched_at')
      .orderBy('id')
      .limit(PAGE)
      .forUpdate()
      .skipLocked()
      .select('id');
    if (events.length === 0) return { events: 0, deliveries: 0 };
    const ids = events.map((event) => event.id);
    const pairs: { event_id: number; endpoint_id: string }[] = await trx('outbound_events as event')
      .joinRaw(`JOIN webhook_endpoints AS endpoint ON endpoint.active AND ${SUBSCRIBED}`)
      .whereIn('event.id', ids)
      .orderBy(['event.id', 'endpoint.id'])
      .select('event.id as event_id', 'endpoint.id as endpoint_id');
    if (pairs.length > 0) {
      await trx('webhook_deliveries')
        .insert(pairs.map((pair) => ({ id: newDeliveryId(), ...pair })))
        .onConflict(['event_id', 'endpoint_id'])
        .ignore();
    }
    await trx('outbound_events').whereIn('id', ids).update({ dispatched_at: trx.fn.now() });
    return { events: ids.length, deliveries: pairs.length };
  });
}

/** Starting twice is harmless: the workflow id is the delivery's. */
export async function startDeliveryWorkflow(temporal: Client, taskQueue: string, db: Knex, input: WebhookDeliveryInput): Promise<void> {
  try {
    await temporal.workflow.start('webhookDeliveryWorkflow', {
      taskQueue,
      workflowId: webhookDeliveryWorkflowId(input.deliveryId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db('webhook_deliveries').where({ id: input.deliveryId }).whereNull('workflow_started_at').update({ workflow_started_at: db.fn.now() });
}

async function finish(db: Knex, deliveryId: string, status: 'DELIVERED' | 'FAILED', fields: object): Promise<void> {
  await db('webhook_deliveries')
    .where({ id: deliveryId, status: 'PENDING' })
    .update({ ...fields, status, finished_at: db.fn.now(), next_attempt_at: null, updated_at: db.fn.now() });
}

/**
 * POSTs a signed body: X-Webhook-Timestamp (unix seconds, of this attempt) and
 * X-Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">, as carriers sign theirs; during
 * a rotation's grace period one signature per secret, the new one first: `v1=<new>,v1=<previous>`.
 * Any 2xx is success; redirects are not followed.
 */
async function post(
  url: string,
  body: string,
  secrets: string[],
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ ok: boolean; statusCode: number | null; error: string | null }> {
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'oms-webhooks/1',
        'x-webhook-timestamp': String(timestamp),
        'x-webhook-signature': secrets.map((secret) => signWebhook(secret, timestamp, body)).join(','),
        ...headers,
      },
      body,
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return { ok, statusCode: response.status, error: ok ? null : `the receiver answered ${response.status}` };
  } catch (error) {
    // fetch says only "fetch failed"; its cause names why (ECONNREFUSED, ENOTFOUND, bad port), or each address tried does.
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const code = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message;
    const name = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
    return { ok: false, statusCode: null, error: code ? `${name} (${code})` : name };
  }
}

import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity, localDatabaseActivity } from './activity-options';

/** Patch: the Postgres steps in LOCAL_STEPS run as local activities. */
export const LOCAL_DATABASE_STEPS = 'local-database-steps';

/**
 * Steps whose write is the same whichever attempt of a workflow task runs it. A local activity runs
 * before its workflow task completes, so an attempt that dies (worker killed) may have written, and
 * the next attempt, seeing more events, may decide differently. Only writes keyed by what they record
 * qualify: the shipment row by its id, tracking events by their carrier event ids (a later attempt
 * holds at least the same events). Status versions, reservations and stock moves stay activities:
 * they are decided by the history, and only what the history decided may be written.
 */
const LOCAL_STEPS = new Set<string>(['createShipment', 'recordTrackingEvents']);

// Both bounded: scheduleToCloseTimeout in activity-options.ts.
const remote = proxyActivities<Activities>(databaseActivity);
const local = proxyLocalActivities<Activities>(localDatabaseActivity);

/**
 * Postgres work of orders and shipments: a local activity costs one marker in the history instead of
 * three events and a further workflow task. Runs recorded before this change replay their regular
 * activities: patched() is false while replaying history without its marker.
 */
export const db: typeof remote = new Proxy(remote, {
  get: (_target, name) =>
    (LOCAL_STEPS.has(String(name)) && patched(LOCAL_DATABASE_STEPS) ? local : remote)[name as keyof typeof remote],
});

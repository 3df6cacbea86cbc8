import type { Knex } from 'knex';

/** The events webhook endpoints subscribe to; `<status>` is lower case (`order.delivered`). */
export type OutboundEventType =
  | 'inventory.low_stock'
  | 'inventory.available_changed'
  | `purchase_order.${string}`
  | `order.${string}`
  | `shipment.${string}`;

export interface OutboundEvent {
  type: OutboundEventType;
  /** Unique per event: emitting the same key again (a retried activity) writes nothing. */
  key: string;
  data: object;
}

/**
 * Puts an event into the outbox in the caller's transaction, so it exists exactly when the change
 * it describes was committed. The dispatcher (workflows/webhook-dispatch.ts) fans it out to the
 * endpoints subscribed at that moment and a delivery workflow posts it to each.
 */
export async function emitEvent(db: Knex | Knex.Transaction, event: OutboundEvent): Promise<void> {
  await db('outbound_events')
    .insert({ type: event.type, event_key: event.key, data: JSON.stringify(event.data) })
    .onConflict('event_key')
    .ignore();
}

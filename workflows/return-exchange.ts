import { ActivityFailure, ChildWorkflowFailure, ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { ReturnLineInput } from './definitions';
import { orderWorkflowId } from './definitions';
import { orderWorkflow } from './order';
import { failRefund } from './return-endings';
import { db, note, receivedOf, refunds, type ReturnRun } from './return-state';
import { ChannelKey, CustomerIdKey, OrderStatusKey, SkusKey } from './search-attributes';

/** Units of a return line that become units of the exchange SKU. */
export interface Exchange {
  lineNo: number;
  sku: string;
  quantity: number;
  /** The exchange product's price, quoted once into the history. */
  priceCents: number;
  /** The price paid for the returned unit. */
  paidCents: number;
}

/** Advance exchange: every requested unit of an exchange line, before the parcel is back. */
export async function exchangesInAdvance(r: ReturnRun): Promise<Exchange[]> {
  return priced(r, r.input.lines.filter((line) => line.exchangeSku).map((line) => ({ line, quantity: line.quantity })));
}

/** Only units that passed inspection (restocked) are exchanged; damaged or scrapped ones are refunded. */
export async function exchangesAfterInspection(r: ReturnRun): Promise<Exchange[]> {
  const wanted = r.input.lines
    .filter((line) => line.exchangeSku)
    .map((line) => ({ line, quantity: receivedOf(r.s, line.lineNo).restock }))
    .filter(({ quantity }) => quantity > 0);
  return priced(r, wanted);
}

async function priced(r: ReturnRun, wanted: { line: ReturnLineInput; quantity: number }[]): Promise<Exchange[]> {
  if (wanted.length === 0) return [];
  const quotes = await db.quoteExchange({ returnId: r.input.returnId });
  return wanted.map(({ line, quantity }) => ({
    lineNo: line.lineNo,
    sku: line.exchangeSku!,
    quantity,
    priceCents: quotes.find((quote) => quote.lineNo === line.lineNo)!.unitPriceCents,
    paidCents: line.unitPriceCents,
  }));
}

/**
 * The replacement runs through the normal order workflow, as a child of the return (linked in the
 * UI, and the return learns how it ended). Who pays what:
 * - after inspection, the returned unit pays for its replacement up to its price: the replacement's
 *   lines cost only the difference (charged through a new authorization on the original token),
 *   a cheaper replacement's difference was refunded with the return, and at equal prices the
 *   replacement is a zero-amount order that moves no money. Units the replacement never delivers
 *   (out of stock until its deadline, cancelled, lost) get their credit refunded once it ends;
 * - in advance (before the parcel is back), the replacement costs the exchange product's price on
 *   the original token, and the returned units are refunded like any others once inspected.
 * False when that last refund failed (the return then FAILED).
 */
export async function runExchange(r: ReturnRun, exchanges: Exchange[], { advance }: { advance: boolean }): Promise<boolean> {
  const { input, s } = r;
  if (exchanges.length === 0) return true;
  const order = await db.createExchangeOrder({ returnId: input.returnId, lines: replacementLines(exchanges, advance) });
  s.exchangeOrderId = order.orderId;
  note(s, 'exchange_order_created', order.orderId);
  const replacement = await startChild(orderWorkflow, {
    workflowId: orderWorkflowId(order.orderId),
    args: [order],
    // The replacement outlives the return; the return waits for it only to settle credit.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: [
      { key: OrderStatusKey, value: 'ACCEPTED' },
      { key: CustomerIdKey, value: order.customerId },
      { key: ChannelKey, value: order.channel },
      { key: SkusKey, value: order.lines.map((line) => line.sku) },
    ],
  });
  if (advance) return true;

  try {
    note(s, 'exchange_order_ended', await replacement.result());
  } catch (error) {
    if (!(error instanceof ChildWorkflowFailure)) throw error;
    note(s, 'exchange_order_failed', error.message);
  }
  try {
    const { refundedCents } = await refunds.refundExchangeShortfall({
      returnId: input.returnId,
      exchangeOrderId: order.orderId,
      credits: creditsBySku(exchanges),
    });
    if (refundedCents > 0) note(s, 'exchange_shortfall_refunded', `${refundedCents} cents`);
    s.refundCents = (s.refundCents ?? 0) + refundedCents;
    return true;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return failRefund(r, error);
  }
}

/**
 * One order line per SKU (an order holds each SKU once). Two return lines exchanged for the same
 * SKU share a line at the lower of their prices, in the customer's favour.
 */
function replacementLines(exchanges: Exchange[], advance: boolean): { sku: string; quantity: number; unitPriceCents: number }[] {
  const lines: { sku: string; quantity: number; unitPriceCents: number }[] = [];
  for (const exchange of exchanges) {
    const charge = advance ? exchange.priceCents : Math.max(0, exchange.priceCents - exchange.paidCents);
    const same = lines.find((line) => line.sku === exchange.sku);
    if (!same) lines.push({ sku: exchange.sku, quantity: exchange.quantity, unitPriceCents: charge });
    else Object.assign(same, { quantity: same.quantity + exchange.quantity, unitPriceCents: Math.min(same.unitPriceCents, charge) });
  }
  return lines;
}

/** What each replacement unit took from the refund: the returned unit's price, at most the replacement's (the higher one per SKU). */
function creditsBySku(exchanges: Exchange[]): { sku: string; lineNo: number; unitCreditCents: number }[] {
  const credits: { sku: string; lineNo: number; unitCreditCents: number }[] = [];
  for (const exchange of exchanges) {
    const credit = Math.min(exchange.priceCents, exchange.paidCents);
    const same = credits.find((entry) => entry.sku === exchange.sku);
    if (!same) credits.push({ sku: exchange.sku, lineNo: exchange.lineNo, unitCreditCents: credit });
    else same.unitCreditCents = Math.max(same.unitCreditCents, credit);
  }
  return credits;
}

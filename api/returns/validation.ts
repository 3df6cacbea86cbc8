import type { Knex } from 'knex';
import { autoApproves, isWithinReturnWindow, returnableQuantity } from '../../domain/returns';
import type { ReturnStatus } from '../../domain/types';
import type { Config } from '../../infra/config';
import type { ReturnLineInput } from '../../workflows/definitions';
import { ApiError } from '../api-error';
import type { CreateReturnBody } from './schemas';

/** Returns whose parcel has not been received: their requested units are spoken for. */
const AWAITING_UNITS: ReturnStatus[] = ['AWAITING_APPROVAL', 'APPROVED', 'AWAITING_PARCEL', 'IN_TRANSIT', 'ARRIVED'];

export interface CheckedReturn {
  lines: ReturnLineInput[];
  /** The warehouse the parcel goes back to: the one that delivered most of the requested units. */
  locationId: string;
  requestedCents: number;
  /** Where the workflow starts: approved by rules, or waiting for ops. */
  status: 'APPROVED' | 'AWAITING_APPROVAL';
}

interface DeliveredUnits {
  lineNo: number;
  locationId: string;
  quantity: number;
  deliveredAt: Date;
}

/**
 * Checks a return request against the order as it stands, and refuses it with its own 4xx code
 * when any line cannot be returned. Run it in the transaction that holds the order's row lock:
 * what other returns have already requested is then final until this one is written.
 */
export async function checkReturnRequest(
  trx: Knex.Transaction,
  config: Config,
  orderId: string,
  body: CreateReturnBody,
  now: Date,
): Promise<CheckedReturn> {
  // One after another: a transaction is one connection, which runs one query at a time.
  const orderLines = await trx('order_lines as ol')
    .join('products as p', 'p.sku', 'ol.sku')
    .where('ol.order_id', orderId)
    .orderBy('ol.line_no')
    .select('ol.line_no', 'ol.sku', 'ol.unit_price_cents', 'ol.qty_returned', 'p.final_sale', 'p.return_window_days');
  const delivered = await deliveredUnits(trx, orderId);
  const openUnits = await unitsInOpenReturns(trx, orderId);

  const seen = new Set<number>();
  const lines = body.lines.map((requested, index): ReturnLineInput => {
    if (requested.lineNo === undefined && requested.sku === undefined) {
      throw new ApiError(400, 'validation_error', `body/lines/${index}: name the order line by lineNo or sku`);
    }
    // Both given: they must name the same line.
    const orderLine = orderLines.find(
      (line) =>
        (requested.lineNo === undefined || line.line_no === requested.lineNo) && (requested.sku === undefined || line.sku === requested.sku),
    );
    if (!orderLine) {
      const named = [requested.lineNo !== undefined && `line ${requested.lineNo}`, requested.sku && `sku ${requested.sku}`].filter(Boolean);
      throw new ApiError(422, 'unknown_line', `order ${orderId} has no ${named.join(' of ')}`, { index });
    }
    const lineNo: number = orderLine.line_no;
    if (seen.has(lineNo)) throw new ApiError(422, 'duplicate_line', `order line ${lineNo} appears more than once`, { lineNo });
    seen.add(lineNo);
    if (requested.reason === 'other' && requested.note === undefined) {
      throw new ApiError(422, 'note_required', `line ${lineNo}: reason other needs a note`, { lineNo });
    }
    if (orderLine.final_sale) {
      throw new ApiError(422, 'final_sale', `line ${lineNo} (${orderLine.sku}) is final sale and cannot be returned`, { lineNo });
    }
    return {
      lineNo,
      sku: orderLine.sku,
      quantity: requested.quantity,
      reason: requested.reason,
      ...(requested.note !== undefined && { note: requested.note }),
      unitPriceCents: orderLine.unit_price_cents,
      ...(requested.exchangeSku !== undefined && { exchangeSku: requested.exchangeSku }),
    };
  });

  for (const line of lines) {
    const orderLine = orderLines.find((candidate) => candidate.line_no === line.lineNo);
    const units = delivered.filter((unit) => unit.lineNo === line.lineNo);
    if (units.length === 0) {
      throw new ApiError(422, 'not_delivered', `line ${line.lineNo} (${line.sku}) has no delivered units to return`, {
        lineNo: line.lineNo,
      });
    }
    const windowDays: number = orderLine.return_window_days ?? config.returns.windowDays;
    // Already returned units may have come from any parcel: counting them against the parcels still
    // in their window never lets more come back than was delivered in it.
    const inWindow = units.filter((unit) => isWithinReturnWindow(unit.deliveredAt, windowDays, now));
    if (inWindow.length === 0) {
      throw new ApiError(422, 'return_window_closed', `line ${line.lineNo} (${line.sku}): the ${windowDays}-day return window has closed`, {
        lineNo: line.lineNo,
        windowDays,
      });
    }
    const returnable = returnableQuantity({
      delivered: sum(inWindow),
      returned: orderLine.qty_returned,
      inOpenReturns: openUnits.get(line.lineNo) ?? 0,
    });
    if (line.quantity > returnable) {
      throw new ApiError(422, 'exceeds_returnable', `line ${line.lineNo} (${line.sku}): ${line.quantity} requested, ${returnable} returnable`, {
        lineNo: line.lineNo,
        requested: line.quantity,
        returnable,
      });
    }
  }

  await checkExchangeSkus(trx, lines);
  if (body.advanceExchange && !lines.some((line) => line.exchangeSku)) {
    throw new ApiError(422, 'no_exchange', 'advanceExchange needs at least one line with an exchangeSku');
  }

  return {
    lines,
    locationId: returnLocation(delivered, lines),
    requestedCents: lines.reduce((total, line) => total + line.quantity * line.unitPriceCents, 0),
    status: autoApproves(lines, config.returns.policy) ? 'APPROVED' : 'AWAITING_APPROVAL',
  };
}

async function deliveredUnits(trx: Knex.Transaction, orderId: string): Promise<DeliveredUnits[]> {
  const rows = await trx('shipments as s')
    .join('shipment_lines as sl', 'sl.shipment_id', 's.id')
    .where({ 's.order_id': orderId, 's.status': 'DELIVERED' })
    .select('sl.line_no', 's.location_id', 'sl.quantity', trx.raw('coalesce(s.delivered_at, s.updated_at) AS delivered_at'));
  return rows.map((row) => ({
    lineNo: row.line_no,
    locationId: row.location_id,
    quantity: row.quantity,
    deliveredAt: new Date(row.delivered_at),
  }));
}

/**
 * Units requested per order line by returns still waiting for their parcel. Units a return has
 * received already count in order_lines.qty_returned, so they are left out here.
 */
async function unitsInOpenReturns(trx: Knex.Transaction, orderId: string): Promise<Map<number, number>> {
  const rows: { line_no: number; units: string }[] = await trx('return_lines as rl')
    .join('returns as r', 'r.id', 'rl.return_id')
    .where('rl.order_id', orderId)
    .whereIn('r.status', AWAITING_UNITS)
    .groupBy('rl.line_no')
    .select('rl.line_no', trx.raw('sum(rl.quantity - rl.qty_received) AS units'));
  return new Map(rows.map((row) => [row.line_no, Number(row.units)]));
}

async function checkExchangeSkus(trx: Knex.Transaction, lines: ReturnLineInput[]): Promise<void> {
  const wanted = [...new Set(lines.flatMap((line) => (line.exchangeSku ? [line.exchangeSku] : [])))];
  if (wanted.length === 0) return;
  const known: string[] = await trx('products').whereIn('sku', wanted).where({ active: true }).pluck('sku');
  const unknown = wanted.filter((sku) => !known.includes(sku));
  if (unknown.length > 0) {
    throw new ApiError(422, 'unknown_exchange_sku', `unknown or inactive exchange sku: ${unknown.join(', ')}`, { skus: unknown });
  }
}

/** The location that delivered most of the requested lines' units; ties go to the smaller id. */
function returnLocation(delivered: DeliveredUnits[], lines: ReturnLineInput[]): string {
  const units = new Map<string, number>();
  for (const unit of delivered) {
    if (lines.some((line) => line.lineNo === unit.lineNo)) units.set(unit.locationId, (units.get(unit.locationId) ?? 0) + unit.quantity);
  }
  const [best] = [...units.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  return best[0];
}

const sum = (units: DeliveredUnits[]) => units.reduce((total, unit) => total + unit.quantity, 0);

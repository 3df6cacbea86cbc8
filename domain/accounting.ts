/**
 * How stock movements become double-entry journal lines for the accounting export: each kind of
 * movement moves value between two accounts, so every journal balances by construction. Values are
 * FIFO cost: layers received (in) and consumptions taken (out). Consigned units are not our asset:
 * they enter and move between our locations without an entry, and when they leave for good (sold,
 * written off) we owe their owner, so the credit goes to consignment payable under the owner's name.
 */

export const ACCOUNTS = {
  inventory: 'Inventory Asset',
  cogs: 'Cost of Goods Sold',
  shrinkage: 'Inventory Shrinkage',
  inTransit: 'Inventory In Transit',
  payable: 'Accounts Payable',
  consignmentPayable: 'Consignment Payable',
  openingBalance: 'Opening Balance Equity',
} as const;

export type Account = (typeof ACCOUNTS)[keyof typeof ACCOUNTS];

/** A day's sum of one kind of value movement, from the ledger. */
export interface ValueMovement {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** The ledger kind (receipt, shipment, return, adjustment, count_correction, transfer_out, transfer_in), or opening. */
  kind: string;
  direction: 'in' | 'out';
  /** The consignment owner of the units; null for our own. */
  ownerId: string | null;
  valueCents: number;
}

export interface JournalLine {
  date: string;
  journalNo: string;
  account: Account;
  debitCents: number;
  creditCents: number;
  description: string;
  /** The vendor the line is owed to (consignment owner); empty otherwise. */
  name: string;
}

interface Posting {
  debit: Account;
  credit: Account;
  description: string;
  code: string;
}

/** The posting of our own stock's movements, by ledger kind and direction. */
const OWN: Record<string, Posting> = {
  'receipt:in': { debit: ACCOUNTS.inventory, credit: ACCOUNTS.payable, description: 'Stock received', code: 'RCV' },
  'shipment:out': { debit: ACCOUNTS.cogs, credit: ACCOUNTS.inventory, description: 'Cost of goods shipped', code: 'COGS' },
  'return:in': { debit: ACCOUNTS.inventory, credit: ACCOUNTS.cogs, description: 'Returns back in stock at the cost they left with', code: 'RET' },
  'transfer_out:out': { debit: ACCOUNTS.inTransit, credit: ACCOUNTS.inventory, description: 'Transfers shipped', code: 'TRO' },
  'transfer_in:in': { debit: ACCOUNTS.inventory, credit: ACCOUNTS.inTransit, description: 'Transfers received', code: 'TRI' },
  'opening:in': { debit: ACCOUNTS.inventory, credit: ACCOUNTS.openingBalance, description: 'Opening stock', code: 'OPN' },
};

/** Anything else, adjustments and count corrections above all, is shrinkage (a loss out, a gain in). */
const shrinkage = (direction: 'in' | 'out'): Posting =>
  direction === 'out'
    ? { debit: ACCOUNTS.shrinkage, credit: ACCOUNTS.inventory, description: 'Shrinkage and adjustments (out)', code: 'ADJ' }
    : { debit: ACCOUNTS.inventory, credit: ACCOUNTS.shrinkage, description: 'Shrinkage and adjustments (in)', code: 'ADJ' };

function postingOf(movement: ValueMovement): Posting | null {
  if (movement.ownerId === null) return OWN[`${movement.kind}:${movement.direction}`] ?? shrinkage(movement.direction);
  // Consigned units leaving for good: sold goods cost us what we owe; anything else lost in our care too.
  if (movement.direction === 'out' && movement.kind !== 'transfer_out') {
    return movement.kind === 'shipment'
      ? { debit: ACCOUNTS.cogs, credit: ACCOUNTS.consignmentPayable, description: 'Consigned goods shipped', code: 'CSG' }
      : { debit: ACCOUNTS.shrinkage, credit: ACCOUNTS.consignmentPayable, description: 'Consigned goods written off', code: 'CSG' };
  }
  return null;
}

/**
 * The journal lines of a day's value movements: one balanced two-line journal per movement kind,
 * direction and owner, numbered `OMS-<yyyymmdd>-<code>[-<n>]`. Zero values and consigned units that
 * stay ours to hold make no lines.
 */
export function journalLines(movements: readonly ValueMovement[]): JournalLine[] {
  const lines: JournalLine[] = [];
  const used = new Map<string, number>();
  for (const movement of movements) {
    const posting = postingOf(movement);
    if (!posting || movement.valueCents === 0) continue;
    const base = `OMS-${movement.day.replace(/-/g, '')}-${posting.code}`;
    const seen = used.get(base) ?? 0;
    used.set(base, seen + 1);
    const journalNo = seen === 0 ? base : `${base}-${seen + 1}`;
    const name = posting.credit === ACCOUNTS.consignmentPayable ? (movement.ownerId ?? '') : '';
    const amount = Math.abs(movement.valueCents);
    // A negative sum (never expected) posts the other way round rather than as a negative amount.
    const [debit, credit] = movement.valueCents > 0 ? [posting.debit, posting.credit] : [posting.credit, posting.debit];
    const common = { date: movement.day, journalNo, description: posting.description };
    lines.push({ ...common, account: debit, debitCents: amount, creditCents: 0, name });
    lines.push({ ...common, account: credit, debitCents: 0, creditCents: amount, name });
  }
  return lines;
}

/** Cents as the decimal amount accounting software imports: 123456 -> "1234.56". */
export const amount = (cents: number): string => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;

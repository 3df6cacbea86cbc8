/**
 * What packing scans count against: each line of a stocked sku, and each component of a kit line
 * (a kit holds no stock: its components are scanned by their own UPCs). Workflow-safe, no I/O.
 * A shipment without kit lines counts exactly as before kits existed: one counter per line.
 */
import type { PackLine, PickLine } from './definitions';

export interface ScanCounts {
  /** Per line: units scanned; on a kit line, kits complete. */
  packed: Record<number, number>;
  /** Per kit component (componentKey): units scanned. */
  packedComponents?: Record<string, number>;
}

/** One counter a scan can move. */
export interface ScanSlot {
  lineNo: number;
  sku: string;
  upc: string;
  quantity: number;
  /** Set on a kit component. */
  componentKey?: string;
}

const componentKey = (lineNo: number, sku: string): string => `${lineNo}:${sku}`;

export function scanSlots(lines: readonly PickLine[]): ScanSlot[] {
  return lines.flatMap((line) =>
    line.components
      ? line.components.map((c) => ({ lineNo: line.lineNo, sku: c.sku, upc: c.upc, quantity: c.quantity, componentKey: componentKey(line.lineNo, c.sku) }))
      : [{ lineNo: line.lineNo, sku: line.sku, upc: line.upc, quantity: line.quantity }],
  );
}

export function scannedOf(slot: ScanSlot, counts: ScanCounts): number {
  return slot.componentKey ? (counts.packedComponents?.[slot.componentKey] ?? 0) : counts.packed[slot.lineNo];
}

/** Counts one unit into the slot; a kit line's count is the kits whose every component unit is in. */
export function countScan(lines: readonly PickLine[], counts: ScanCounts, slot: ScanSlot): void {
  if (!slot.componentKey) {
    counts.packed[slot.lineNo] += 1;
    return;
  }
  const components = (counts.packedComponents ??= {});
  components[slot.componentKey] = (components[slot.componentKey] ?? 0) + 1;
  const line = lines.find((candidate) => candidate.lineNo === slot.lineNo)!;
  counts.packed[slot.lineNo] = Math.min(
    ...line.components!.map((c) => Math.floor((components[componentKey(line.lineNo, c.sku)] ?? 0) / c.unitsPerKit)),
  );
}

/** Everything scanned at once (an `auto` warehouse's automation packs it all). */
export function countAll(lines: readonly PickLine[], counts: ScanCounts): void {
  for (const line of lines) {
    counts.packed[line.lineNo] = line.quantity;
    for (const c of line.components ?? []) (counts.packedComponents ??= {})[componentKey(line.lineNo, c.sku)] = c.quantity;
  }
}

export function packLines(lines: readonly PickLine[], counts: ScanCounts): PackLine[] {
  return lines.map(({ components, ...line }) => ({
    ...line,
    packed: counts.packed[line.lineNo],
    ...(components
      ? { components: components.map((c) => ({ ...c, packed: counts.packedComponents?.[componentKey(line.lineNo, c.sku)] ?? 0 })) }
      : {}),
  }));
}

import { assemblePdf, pdfString } from '../../infra/pdf';
import type { PurchaseOrder } from './schemas';

/** What the document shows beside the PO itself. */
export interface DocumentParties {
  supplierName: string;
  paymentTerms: string;
  shipTo: { name: string; address: Record<string, unknown> };
}

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
const addressText = (address: Record<string, unknown>) => ['line1', 'line2', 'city', 'region', 'postalCode', 'country'].map((key) => address[key]).filter(Boolean).join(', ');

/** The PO's lines of text, shared by the HTML and the PDF so both say the same. */
function documentLines(po: PurchaseOrder, parties: DocumentParties): { heading: string[]; rows: string[][]; total: string } {
  return {
    heading: [
      `Purchase order ${po.id}`,
      `Supplier: ${parties.supplierName}`,
      `Ship to: ${parties.shipTo.name}, ${addressText(parties.shipTo.address)}`,
      `Ordered: ${(po.submittedAt ?? po.createdAt).slice(0, 10)}   Due: ${po.expectedAt?.slice(0, 10) ?? '-'}   Terms: ${parties.paymentTerms}`,
      `Status: ${po.status}`,
    ],
    rows: po.lines.map((line) => [
      line.supplierSku,
      line.sku,
      String(line.quantity),
      money(line.unitCostCents, po.currency),
      money(line.quantity * line.unitCostCents, po.currency),
    ]),
    total: `Total: ${money(po.totalCents, po.currency)}`,
  };
}

const COLUMNS = ['Your SKU', 'Our SKU', 'Qty', 'Unit cost', 'Amount'];
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export function renderPurchaseOrderHtml(po: PurchaseOrder, parties: DocumentParties): string {
  const { heading, rows, total } = documentLines(po, parties);
  const cells = (values: string[], tag: 'td' | 'th') => `<tr>${values.map((value) => `<${tag}>${escapeHtml(value)}</${tag}>`).join('')}</tr>`;
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>' + escapeHtml(heading[0]) + '</title></head><body>',
    `<h1>${escapeHtml(heading[0])}</h1>`,
    ...heading.slice(1).map((line) => `<p>${escapeHtml(line)}</p>`),
    `<table border="1" cellpadding="4">${cells(COLUMNS, 'th')}${rows.map((row) => cells(row, 'td')).join('')}</table>`,
    `<p><strong>${escapeHtml(total)}</strong></p>`,
    '</body></html>',
  ].join('\n');
}

/** A4 portrait in points. */
const PAGE = { width: 595, height: 842 };
const MARGIN = 40;
const ROWS_PER_PAGE = 40;
const COLUMN_X = [MARGIN, MARGIN + 130, MARGIN + 260, MARGIN + 320, MARGIN + 420];

/** PDF strings are Latin-1 with \, ( and ) escaped; anything else becomes '?'. */
const text = (value: string, x: number, y: number, size: number, bold = false) => `BT /${bold ? 'F2' : 'F1'} ${size} Tf ${x} ${y} Td (${pdfString(value)}) Tj ET`;

/**
 * The PO as a PDF written by hand (like the sandbox carrier's labels): positioned Helvetica text,
 * a page per ROWS_PER_PAGE lines.
 */
export function renderPurchaseOrderPdf(po: PurchaseOrder, parties: DocumentParties): Buffer {
  const { heading, rows, total } = documentLines(po, parties);
  const pages: string[] = [];
  for (let start = 0; start === 0 || start < rows.length; start += ROWS_PER_PAGE) {
    const ops: string[] = [];
    let y = PAGE.height - MARGIN - 10;
    heading.forEach((line, index) => {
      ops.push(text(line, MARGIN, y, index === 0 ? 16 : 10, index === 0));
      y -= index === 0 ? 24 : 14;
    });
    y -= 10;
    COLUMNS.forEach((column, index) => ops.push(text(column, COLUMN_X[index], y, 10, true)));
    y -= 16;
    for (const row of rows.slice(start, start + ROWS_PER_PAGE)) {
      row.forEach((cell, index) => ops.push(text(cell, COLUMN_X[index], y, 9)));
      y -= 13;
    }
    if (start + ROWS_PER_PAGE >= rows.length) ops.push(text(total, MARGIN, y - 10, 11, true));
    pages.push(ops.join('\n'));
  }
  return assemblePdf(pages, PAGE);
}

import { assemblePdf, pdfString } from '../../infra/pdf';
import type { Address } from '../../domain/types';
import type { StoredPiece } from './labels';

export interface LabelDocument {
  labelId: string;
  /** The master tracking number. */
  trackingNumber: string;
  service: string;
  reference: string;
  from: Address;
  to: Address;
  isReturn: boolean;
  createdAt: Date;
  /** The pieces to print, a page each. */
  pieces: StoredPiece[];
  /** Pieces in the whole shipment (more than printed when one piece's page is asked for). */
  pieceCount: number;
}

/** A 4x6 inch shipping label in points, the size thermal label printers take. */
const PAGE = { width: 288, height: 432 };
const MARGIN = 18;

/**
 * Renders the label as a PDF with a page per piece, in the two standard Helvetica fonts, written
 * by hand: a label needs only positioned text and rules, not a PDF library.
 */
export function renderLabelPdf(label: LabelDocument): Buffer {
  return assemblePdf(label.pieces.map((piece) => renderPage(label, piece).toString()), PAGE);
}

function renderPage(label: LabelDocument, piece: StoredPiece): PageContent {
  const page = new PageContent();
  let y = PAGE.height - 34;
  page.text('SANDBOX CARRIER', MARGIN, y, 'bold', 15);
  page.textRight(label.service.toUpperCase(), PAGE.width - MARGIN, y, 'bold', 15);
  y -= 14;
  page.rule(y);

  y -= 14;
  page.text('FROM', MARGIN, y, 'bold', 7);
  for (const line of addressLines(label.from)) {
    page.text(line, MARGIN + 40, y, 'regular', 8);
    y -= 10;
  }
  y -= 2;
  page.rule(y);

  y -= 16;
  page.text('SHIP TO', MARGIN, y, 'bold', 7);
  for (const line of addressLines(label.to)) {
    page.text(line, MARGIN + 40, y, 'bold', 12);
    y -= 15;
  }
  y -= 2;
  page.rule(y);

  y -= 16;
  page.text('TRACKING NUMBER', MARGIN, y, 'bold', 7);
  page.textRight(`PIECE ${piece.pieceNo} OF ${label.pieceCount}`, PAGE.width - MARGIN, y, 'bold', 7);
  y -= 26;
  page.text(piece.trackingNumber, MARGIN, y, 'bold', 22);
  y -= 12;
  if (label.pieceCount > 1) {
    page.text(`Master: ${label.trackingNumber}`, MARGIN, y, 'regular', 8);
    y -= 6;
  }
  page.rule(y);

  y -= 16;
  page.text(`${label.isReturn ? 'Return' : 'Reference'}: ${label.reference}`, MARGIN, y, 'regular', 8);
  y -= 11;
  page.text(`Label: ${label.labelId}`, MARGIN, y, 'regular', 8);
  y -= 11;
  page.text(`Weight: ${(piece.parcel.weightGrams / 1000).toFixed(2)} kg`, MARGIN, y, 'regular', 8);
  y -= 11;
  page.text(`Created: ${label.createdAt.toISOString()}`, MARGIN, y, 'regular', 8);
  page.text('Sandbox label: not valid for shipping', MARGIN, MARGIN, 'regular', 7);
  return page;
}

function addressLines(address: Address): string[] {
  const cityLine = [address.city, address.region, address.postalCode].filter(Boolean).join(' ');
  return [address.name, address.line1, address.line2, cityLine, address.country].filter((line): line is string => Boolean(line));
}

type FontWeight = 'regular' | 'bold';
const FONT_RESOURCE: Record<FontWeight, string> = { regular: '/F1', bold: '/F2' };

class PageContent {
  private readonly operators: string[] = [];

  text(value: string, x: number, y: number, weight: FontWeight, size: number): void {
    this.operators.push(`BT ${FONT_RESOURCE[weight]} ${size} Tf ${x} ${y} Td (${pdfString(value)}) Tj ET`);
  }

  /** Right-aligned by an estimate of the width: bold Helvetica capitals average about 0.7 em. */
  textRight(value: string, right: number, y: number, weight: FontWeight, size: number): void {
    this.text(value, Math.round(right - value.length * size * 0.7), y, weight, size);
  }

  rule(y: number): void {
    this.operators.push(`0.8 w ${MARGIN} ${y} m ${PAGE.width - MARGIN} ${y} l S`);
  }

  toString(): string {
    return this.operators.join('\n');
  }
}

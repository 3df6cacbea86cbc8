import { ACCOUNTS, amount, journalLines } from '../../domain/accounting';

describe('journalLines', () => {
  it('posts each kind of movement between its two accounts, balanced, one journal per day and kind', () => {
    const lines = journalLines([
      { day: '2025-03-01', kind: 'receipt', direction: 'in', ownerId: null, valueCents: 10_000 },
      { day: '2025-03-01', kind: 'shipment', direction: 'out', ownerId: null, valueCents: 2_500 },
      { day: '2025-03-01', kind: 'shipment', direction: 'out', ownerId: 'acme', valueCents: 800 },
      { day: '2025-03-02', kind: 'return', direction: 'in', ownerId: null, valueCents: 300 },
      { day: '2025-03-02', kind: 'count_correction', direction: 'out', ownerId: null, valueCents: 200 },
      { day: '2025-03-02', kind: 'adjustment', direction: 'in', ownerId: null, valueCents: 100 },
    ]);
    const view = lines.map((line) => [line.journalNo, line.account, line.debitCents, line.creditCents, line.name]);
    expect(view).toEqual([
      ['OMS-20250301-RCV', ACCOUNTS.inventory, 10_000, 0, ''],
      ['OMS-20250301-RCV', ACCOUNTS.payable, 0, 10_000, ''],
      ['OMS-20250301-COGS', ACCOUNTS.cogs, 2_500, 0, ''],
      ['OMS-20250301-COGS', ACCOUNTS.inventory, 0, 2_500, ''],
      ['OMS-20250301-CSG', ACCOUNTS.cogs, 800, 0, 'acme'],
      ['OMS-20250301-CSG', ACCOUNTS.consignmentPayable, 0, 800, 'acme'],
      ['OMS-20250302-RET', ACCOUNTS.inventory, 300, 0, ''],
      ['OMS-20250302-RET', ACCOUNTS.cogs, 0, 300, ''],
      ['OMS-20250302-ADJ', ACCOUNTS.shrinkage, 200, 0, ''],
      ['OMS-20250302-ADJ', ACCOUNTS.inventory, 0, 200, ''],
      ['OMS-20250302-ADJ-2', ACCOUNTS.inventory, 100, 0, ''],
      ['OMS-20250302-ADJ-2', ACCOUNTS.shrinkage, 0, 100, ''],
    ]);
  });

  it('makes no entry for consigned units coming in or moving between locations, nor for zero values', () => {
    expect(
      journalLines([
        { day: '2025-03-01', kind: 'receipt', direction: 'in', ownerId: 'acme', valueCents: 5_000 },
        { day: '2025-03-01', kind: 'transfer_out', direction: 'out', ownerId: 'acme', valueCents: 5_000 },
        { day: '2025-03-01', kind: 'receipt', direction: 'in', ownerId: null, valueCents: 0 },
      ]),
    ).toEqual([]);
  });
});

describe('amount', () => {
  it('writes cents as a decimal amount', () => {
    expect([amount(123_456), amount(5), amount(0), amount(-250)]).toEqual(['1234.56', '0.05', '0.00', '-2.50']);
  });
});

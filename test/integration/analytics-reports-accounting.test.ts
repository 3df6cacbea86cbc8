import { type ApiTest, bearer, finishApiTest, startApiTest } from '../helpers/api';
import { at, countedTask, receive, restockedReturn, seedLocation, seedProducts, shippedOrder, writeOff } from './analytics-reports.history';

/**
 * The accounting export through the HTTP API over a designed July 2025 at one location: its journal
 * lines are known by construction, every journal balances, and the inventory asset account moves by
 * exactly the valuation report's closing value less its opening value.
 */
let t: ApiTest;
let WH: string;
let OWNER: string;
const JULY = 'from=2025-07-01&to=2025-07-31';
const sku = (name: string) => `${t.prefix}-${name}`;

const get = (url: string, role: 'ops' | 'warehouse' = 'ops') => t.request({ url, headers: bearer(t.keys[role]) });
const getCsv = (url: string) => t.request({ url, headers: { ...bearer(t.keys.ops), accept: 'text/csv' } });

beforeAll(async () => {
  t = await startApiTest();
  WH = `${t.prefix}-ACC`;
  OWNER = `${t.prefix}-acme`;
  await seedProducts(t.db, [sku('X1')], 500, 100);
  await seedLocation(t.db, WH);
  const X1 = sku('X1');
  // Opening: 10 at 1.00.
  await receive(t.db, { sku: X1, locationId: WH, quantity: 10, unitCostCents: 100, when: at('2025-06-20') });
  // 07-02: 20 at 1.50 (30.00). 07-03: 5 consigned at 4.00 (held for their owner: no entry).
  await receive(t.db, { sku: X1, locationId: WH, quantity: 20, unitCostCents: 150, when: at('2025-07-02') });
  await receive(t.db, { sku: X1, locationId: WH, quantity: 5, unitCostCents: 400, when: at('2025-07-03'), ownerId: OWNER });
  // 07-05: 32 shipped: our 30 first (40.00 COGS), then 2 consigned (8.00 owed).
  await shippedOrder(t.db, {
    id: `${t.prefix}-o1`,
    channel: `${t.prefix}-web`,
    locationId: WH,
    createdAt: at('2025-07-05', '08:00:00'),
    shippedAt: at('2025-07-05'),
    lines: [{ sku: X1, quantity: 32, unitPriceCents: 500 }],
  });
  // 07-08: 2 back at 1.30 each (2.60). 07-10: a count finds 1 short (1.30). 07-12: 2 damaged: our last (1.30) and 1 consigned (4.00 owed).
  await restockedReturn(t.db, {
    returnId: `${t.prefix}-r1`,
    orderId: `${t.prefix}-o1`,
    lineNo: 1,
    locationId: WH,
    quantity: 2,
    reason: 'changed_mind',
    unitCostCents: 130,
    when: at('2025-07-08'),
  });
  const stock = async () => (await t.db('inventory_levels').where({ sku: X1, location_id: WH }).first('on_hand')).on_hand;
  await countedTask(t.db, { id: `${t.prefix}-c1`, sku: X1, locationId: WH, expected: await stock(), counted: (await stock()) - 1, when: at('2025-07-10') });
  await writeOff(t.db, { sku: X1, locationId: WH, quantity: 2, reason: 'damaged', when: at('2025-07-12') });
  // 07-20: 10 at 2.00 (20.00). August 1: after the period.
  await receive(t.db, { sku: X1, locationId: WH, quantity: 10, unitCostCents: 200, when: at('2025-07-20') });
  await receive(t.db, { sku: X1, locationId: WH, quantity: 1, unitCostCents: 999, when: at('2025-08-01') });
});

afterAll(async () => {
  await finishApiTest(t);
});

type Line = { date: string; journalNo: string; account: string; debitCents: number; creditCents: number; description: string; name: string };

describe('GET /v1/reports/accounting-export', () => {
  it('writes the designed journals, each balanced', async () => {
    const answer = await get(`/v1/reports/accounting-export?${JULY}&location=${WH}`);
    expect(answer.statusCode).toBe(200);
    const lines: Line[] = answer.json().lines;
    expect(lines.map((line) => [line.date, line.journalNo, line.account, line.debitCents, line.creditCents, line.name])).toEqual([
      ['2025-07-02', 'OMS-20250702-RCV', 'Inventory Asset', 3_000, 0, ''],
      ['2025-07-02', 'OMS-20250702-RCV', 'Accounts Payable', 0, 3_000, ''],
      ['2025-07-05', 'OMS-20250705-COGS', 'Cost of Goods Sold', 4_000, 0, ''],
      ['2025-07-05', 'OMS-20250705-COGS', 'Inventory Asset', 0, 4_000, ''],
      ['2025-07-05', 'OMS-20250705-CSG', 'Cost of Goods Sold', 800, 0, OWNER],
      ['2025-07-05', 'OMS-20250705-CSG', 'Consignment Payable', 0, 800, OWNER],
      ['2025-07-08', 'OMS-20250708-RET', 'Inventory Asset', 260, 0, ''],
      ['2025-07-08', 'OMS-20250708-RET', 'Cost of Goods Sold', 0, 260, ''],
      ['2025-07-10', 'OMS-20250710-ADJ', 'Inventory Shrinkage', 130, 0, ''],
      ['2025-07-10', 'OMS-20250710-ADJ', 'Inventory Asset', 0, 130, ''],
      ['2025-07-12', 'OMS-20250712-ADJ', 'Inventory Shrinkage', 130, 0, ''],
      ['2025-07-12', 'OMS-20250712-ADJ', 'Inventory Asset', 0, 130, ''],
      ['2025-07-12', 'OMS-20250712-CSG', 'Inventory Shrinkage', 400, 0, OWNER],
      ['2025-07-12', 'OMS-20250712-CSG', 'Consignment Payable', 0, 400, OWNER],
      ['2025-07-20', 'OMS-20250720-RCV', 'Inventory Asset', 2_000, 0, ''],
      ['2025-07-20', 'OMS-20250720-RCV', 'Accounts Payable', 0, 2_000, ''],
    ]);
    const byJournal = new Map<string, number>();
    for (const line of lines) byJournal.set(line.journalNo, (byJournal.get(line.journalNo) ?? 0) + line.debitCents - line.creditCents);
    expect([...byJournal.values()].every((balance) => balance === 0)).toBe(true);
  });

  it('ties out: the inventory asset account moves by the valuation at the end less the valuation at the start', async () => {
    const report = (await get(`/v1/reports/accounting-export?${JULY}&location=${WH}`)).json();
    const asset = report.totals.find((total: { account: string }) => total.account === 'Inventory Asset');
    const valuation = async (asOf: string) =>
      (await get(`/v1/reports/valuation?asOf=${asOf}&locationId=${WH}`)).json().total.valueCents as number;
    const opening = await valuation('2025-07-01T00:00:00.000Z');
    const closing = await valuation('2025-07-31T23:59:59.999Z');
    expect([opening, closing]).toEqual([1_000, 2_000]);
    expect(asset.debitCents - asset.creditCents).toBe(closing - opening);

    // And consignment payable is what the consignment report says is owed for the period.
    const owed = (await get(`/v1/reports/consignment?ownerId=${OWNER}&from=2025-07-01T00:00:00Z&to=2025-08-01T00:00:00Z`)).json();
    const payable = report.totals.find((total: { account: string }) => total.account === 'Consignment Payable');
    expect(payable.creditCents).toBe(owed.totalOwedCents);
  });

  it('streams the same lines as a QuickBooks journal CSV, and checks its filters', async () => {
    const json: Line[] = (await get(`/v1/reports/accounting-export?${JULY}&location=${WH}`)).json().lines;
    const csv = await getCsv(`/v1/reports/accounting-export?${JULY}&location=${WH}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = csv.body.trimEnd().split('\r\n');
    expect(header).toBe('Date,Journal No,Account,Debit,Credit,Description,Name');
    const money = (cents: number) => (cents === 0 ? '' : (cents / 100).toFixed(2));
    expect(rows).toEqual(
      json.map((line) => [line.date, line.journalNo, line.account, money(line.debitCents), money(line.creditCents), line.description, line.name].join(',')),
    );
    expect((await get('/v1/reports/accounting-export?from=2025-07-31&to=2025-07-01')).json().code).toBe('invalid_date_range');
    expect((await get(`/v1/reports/accounting-export?${JULY}&location=${t.prefix}-NOWHERE`)).json().code).toBe('unknown_location');
    expect((await get(`/v1/reports/accounting-export?${JULY}&sku=${sku('X1')}`)).statusCode).toBe(400);
    expect((await get(`/v1/reports/accounting-export?${JULY}`, 'warehouse')).statusCode).toBe(403);
  });
});

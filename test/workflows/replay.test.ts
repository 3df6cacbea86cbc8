import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';

/**
 * Histories recorded from real runs (npm run record-histories) replayed against today's workflow
 * code: a change that would break workflows already running fails here. Use patched() for such
 * changes, and keep the old history files.
 */
const dir = path.resolve(__dirname, '..', 'histories');
// Generations of the same scenarios recorded by later code live in subfolders (record --generation).
const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.json')).sort();

it('has recorded histories of the Order, Shipment, Return, adjustment, cycle-count, transfer, webhook, forecasting and supplier feed workflows to replay', () => {
  const kinds = ['.order', '.shipment-', '.return', '.adjustment', '.count-correction', '.cycle-count', '.transfer', '.webhook-delivery', '.webhook-dispatch', '.forecasting', '.supplier-feed-polling'];
  expect(kinds.filter((kind) => !files.some((file) => file.includes(kind)))).toEqual([]);
});

it.each(files)('replays %s', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.OMS_TEST_WORKFLOW_BUNDLE! } }, history);
});

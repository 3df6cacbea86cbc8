/**
 * `npm run bench [-- --scenario lifecycle|hot-sku|api|open|reports --orders N --concurrency N]`: one
 * scenario per run (bench/scenarios/), each next to a floor measured on the same machine in the
 * same run (reports: next to its target). Prints the machine, the figures, and last a line
 * `ratio: <number>`. Exits non-zero, without that line, when a figure is impossible or the engine
 * lost or oversold something; a ratio short of its target is printed, not failed (targets live
 * here, not in timed tests).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb } from '../db/knex';
import { parseOptions, ScenarioName } from './options';
import { machineRows, printFigures, ratioLine, thisMachine } from './report';
import type { BenchContext, Scenario } from './scenario';
import { apiScenario } from './scenarios/api';
import { hotSkuScenario } from './scenarios/hot-sku';
import { lifecycleScenario } from './scenarios/lifecycle';
import { openScenario } from './scenarios/open';
import { reportsScenario } from './scenarios/reports';
import { BenchTemporal, bundleEngineWorkflows, startTemporal } from './temporal';

const SCENARIO_RUNS: Record<ScenarioName, Scenario> = {
  'lifecycle': lifecycleScenario,
  'hot-sku': hotSkuScenario,
  'api': apiScenario,
  'open': openScenario,
  'reports': reportsScenario,
};

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { forward: {}, filter: 'WARN' } } });
  // The bench measures the engine, not its per-key limiter: the limiter still runs on every
  // request, with a ceiling no run reaches (every order and carrier webhook comes from one key or address).
  process.env.API_RATE_LIMIT_PER_MINUTE ||= '100000000';
  process.env.WEBHOOK_RATE_LIMIT_PER_MINUTE ||= '100000000';
  const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/oms';

  let temporal: Promise<BenchTemporal> | undefined;
  let bundle: Promise<string> | undefined;
  const context: BenchContext = {
    options,
    databaseUrl,
    temporal: () => (temporal ??= startTemporal()),
    workflowBundlePath: () => (bundle ??= bundleEngineWorkflows()),
  };

  printFigures(`Scenario ${options.scenario}: --orders ${options.orders} --concurrency ${options.concurrency}`, machineRows(thisMachine(), [
    ['Postgres', await postgresVersion(databaseUrl)],
    ['Temporal', options.scenario === 'hot-sku' || options.scenario === 'reports' ? 'not used' : (await context.temporal()).description],
  ]));

  try {
    const { ratio, check } = await SCENARIO_RUNS[options.scenario](context);
    console.log(`\nload average at the end: ${thisMachine().loadAverage.map((load) => load.toFixed(2)).join(', ')}`);
    if (check.impossible.length > 0) {
      console.error(`\nIMPOSSIBLE FIGURES: the measurement is broken, no ratio is printed.`);
      for (const message of check.impossible) console.error(`  - ${message}`);
    }
    if (check.failures.length > 0) {
      console.error(`\nFAILED: the engine produced figures it must never produce.`);
      for (const message of check.failures) console.error(`  - ${message}`);
    }
    if (!check.ok) return 1;
    console.log(ratioLine(ratio));
    return 0;
  } finally {
    if (temporal) await (await temporal).teardown();
  }
}

async function postgresVersion(databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const db = createDb(url.toString(), 1);
  try {
    const { rows } = await db.raw('SHOW server_version');
    const { rows: connections } = await db.raw('SHOW max_connections');
    return `${rows[0].server_version} (max_connections ${connections[0].max_connections})`;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

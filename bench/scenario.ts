import type { BenchOptions } from './options';
import type { FigureCheck } from './report';
import type { BenchTemporal } from './temporal';

export interface BenchContext {
  options: BenchOptions;
  /** The Postgres server to use: each scenario makes a database of its own on it and drops it after. */
  databaseUrl: string;
  /** Started on first use (hot-sku needs none). */
  temporal(): Promise<BenchTemporal>;
  /** The engine's workflows, bundled on first use. */
  workflowBundlePath(): Promise<string>;
}

export interface ScenarioResult {
  /** Printed last as `ratio: <number>` when every figure holds. */
  ratio: number;
  check: FigureCheck;
}

export type Scenario = (context: BenchContext) => Promise<ScenarioResult>;

/** Waits until `done` answers true; false at the deadline. */
export async function waitUntil(deadline: number, done: () => Promise<boolean>, everyMs = 250): Promise<boolean> {
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

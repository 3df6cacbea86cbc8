const STEP_TIMEOUT_MS = 30_000;

/** Services need Temporal and Postgres while they drain; Temporal needs nothing of ours. */
const STOP_ORDER = ['services', 'temporal', 'postgres'] as const;
export type Stage = (typeof STOP_ORDER)[number];

interface StopStep {
  stage: Stage;
  name: string;
  stop: () => Promise<void>;
}

/**
 * Everything `npm start` brings up registers how to stop it. Shutdown runs those steps once, in
 * STOP_ORDER whatever order things started in; the first reason to stop sets the exit code.
 */
export class Lifecycle {
  private readonly steps: StopStep[] = [];
  private readonly controller = new AbortController();
  private exitCode = 0;
  private finished?: Promise<void>;

  /** Aborted as soon as shutdown begins, so start-up waits end instead of racing it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  onStop(stage: Stage, name: string, stop: () => Promise<void>): void {
    this.steps.push({ stage, name, stop });
  }

  shutdown(exitCode: number, reason: string): Promise<void> {
    if (this.finished) return this.finished;
    this.exitCode = exitCode;
    (exitCode === 0 ? console.log : console.error)(`\n${reason}`);
    this.controller.abort(new Error(reason));
    this.finished = this.runSteps().then(() => process.exit(this.exitCode));
    return this.finished;
  }

  private async runSteps(): Promise<void> {
    // Taken one at a time, so a step registered meanwhile (a start-up still in flight) is stopped too.
    for (let step = this.takeNextStep(); step; step = this.takeNextStep()) {
      console.log(`stopping ${step.name}…`);
      try {
        await withinTime(step.stop(), STEP_TIMEOUT_MS, `${step.name} did not stop within ${STEP_TIMEOUT_MS / 1000} s`);
      } catch (error) {
        this.exitCode = this.exitCode || 1;
        console.error(`could not stop ${step.name} cleanly: ${(error as Error).message}`);
      }
    }
    console.log('everything stopped');
  }

  private takeNextStep(): StopStep | undefined {
    const rank = (step: StopStep) => STOP_ORDER.indexOf(step.stage);
    const next = this.steps.reduce<StopStep | undefined>((best, step) => (!best || rank(step) < rank(best) ? step : best), undefined);
    if (next) this.steps.splice(this.steps.indexOf(next), 1);
    return next;
  }
}

function withinTime(work: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

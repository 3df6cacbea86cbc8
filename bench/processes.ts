import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
export { freePort } from '../dev/harness/free-port';

const ROOT = path.resolve(__dirname, '..');
/** The last this many characters of a child's output are kept for an error message. */
const KEPT_OUTPUT = 8_000;

/**
 * An engine process (`worker/main.ts`, `api/main.ts`) or a floor server, run as in production in a
 * process of its own, so its memory can be read and it does not share the bench's event loop.
 * Its output is drained (a full pipe would stall it) and the tail kept for errors.
 */
export class BenchProcess {
  private output = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-KEPT_OUTPUT);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  static async start(name: string, entry: string, env: NodeJS.ProcessEnv, ready: string, timeoutMs = 120_000): Promise<BenchProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = new BenchProcess(name, child);
    const deadline = Date.now() + timeoutMs;
    while (!started.output.includes(ready)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited early:\n${started.output}`);
      if (Date.now() > deadline) {
        await started.stop();
        throw new Error(`${name} did not print "${ready}" within ${timeoutMs / 1000} s:\n${started.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return started;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resident set size now and at its peak (VmHWM), in bytes. */
  memory(): { rss: number; peak: number } {
    if (!this.alive) throw new Error(`${this.name} has exited:\n${this.output}`);
    return residentMemory(this.child.pid!);
  }

  tail(): string {
    return this.output;
  }

  /** SIGTERM (a graceful shutdown), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

export function residentMemory(pid: number): { rss: number; peak: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } catch {
    // Not Linux: ps knows the current RSS (in KiB), not the peak.
    const rss = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
    return { rss, peak: NaN };
  }
}

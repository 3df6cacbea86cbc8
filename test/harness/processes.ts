import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { eventually } from '../helpers/eventually';
export { freePort } from '../../dev/harness/free-port';

/** A worker process (`worker/main.ts`) as in production, once it polls its task queue. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  return startProcess(path.join('worker', 'main.ts'), env, 'worker polling task queue');
}

/** An engine process (`worker/main.ts`, `api/main.ts`) as in production; resolves once it prints `ready`. */
export async function startProcess(entry: string, env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: path.resolve(__dirname, '..', '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`${entry} exited early:\n${output}`);
    return output.includes(ready);
  }, 90_000, 200);
  return child;
}

export async function killed(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

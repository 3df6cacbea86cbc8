import { ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';

export interface ManagedProcess {
  /** SIGTERM to its process group, SIGKILL when it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called when the process ends without stop() having been called. */
  onUnexpectedExit: (description: string) => void;
  /** Drop its output once stop() is called (for servers that log every dropped connection on the way down). */
  quietWhileStopping?: boolean;
}

const PREFIX_WIDTH = 9;
const running = new Set<ChildProcess>();

// Last resort when `npm start` itself dies: do not leave services running without their supervisor.
process.on('exit', () => {
  for (const child of running) signalGroup(child, 'SIGKILL');
});

/**
 * Runs a long-lived process with every output line prefixed by its name. It gets its own process
 * group, so a Ctrl-C in the terminal reaches only `npm start`, which then stops things in order.
 */
export function spawnManaged(name: string, command: string, args: string[], options: SpawnOptions): ManagedProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stopping = false;
  const prefix = `${name.padEnd(PREFIX_WIDTH)}│ `;
  const shouldForward = () => !(stopping && options.quietWhileStopping);
  forwardLines(child.stdout, process.stdout, prefix, shouldForward);
  forwardLines(child.stderr, process.stderr, prefix, shouldForward);

  const exited = new Promise<void>((resolve) => {
    const finish = (description: string) => {
      if (!running.delete(child)) return;
      resolve();
      if (!stopping) options.onUnexpectedExit(`${name} ${description}`);
    };
    child.once('exit', (code, signal) => finish(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    child.once('error', (error) => finish(`could not be started: ${error.message}`));
  });

  return {
    async stop(graceMs = 15_000) {
      stopping = true;
      if (!running.has(child)) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => {
        console.error(`${name} did not stop within ${graceMs / 1000} s; killing it`);
        signalGroup(child, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function forwardLines(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string, shouldForward: () => boolean): void {
  readline.createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    if (shouldForward()) to.write(prefix + line + '\n');
  });
}

import net from 'node:net';

/** Polls `check` until it returns true; gives up at the deadline or when `signal` aborts. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs, signal }: { timeoutMs: number; signal: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Fails early with the setting to change, instead of a bind error deep inside a child's log. */
export async function assertPortsFree(ports: { port: number; variable: string; purpose: string }[]): Promise<void> {
  for (const { port, variable, purpose } of ports) {
    if (await isPortOpen(port)) {
      throw new Error(
        `Port ${port} (${purpose}) is already in use; is another \`npm start\` running? ` +
          `Stop it or set ${variable} to a free port.`,
      );
    }
  }
}

export async function httpStatus(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

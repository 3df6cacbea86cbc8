import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import yaml from 'yaml';

/**
 * docker-compose.yml is valid and wires the production-like stack. On every machine the file is
 * read the way Compose reads it (YAML with merge keys, then `${…}` interpolation with test values)
 * and checked against the Compose Specification's JSON schema (test/fixtures/compose-spec/); where
 * `docker-compose` is installed, the same assertions run on `docker-compose config` too (it needs
 * no Docker engine).
 */
const ROOT = path.resolve(__dirname, '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

interface ComposeService {
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: Array<{ host_ip?: string; published?: string | number; target?: number } | string>;
  depends_on?: Record<string, { condition: string }>;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** The secrets the stack requires (test values only; the file has no defaults). */
const REQUIRED_SECRETS = [
  'POSTGRES_PASSWORD',
  'CARRIER_SANDBOX_API_KEY',
  'CARRIER_WEBHOOK_SECRET_SANDBOX',
  'SUPPLIER_SANDBOX_API_KEY',
  'SUPPLIER_WEBHOOK_SECRET_SANDBOX',
];
const SECRET_ENV = Object.fromEntries(REQUIRED_SECRETS.map((name) => [name, `test-${name.toLowerCase()}-0123456789abcdef0123456789`]));

/** The environment Compose would see: this process's, with exactly the given secrets set. */
function composeEnv(secrets: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...secrets };
  for (const name of REQUIRED_SECRETS) if (!(name in secrets)) delete env[name];
  return env;
}

/**
 * Compose's variable interpolation in one string: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}` (not nested).
 */
function interpolate(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (match, _whole, braced?: string, bare?: string) => {
    if (match === '$$') return '$';
    if (bare) return env[bare] ?? '';
    const parts = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(braced ?? '');
    if (!parts) throw new Error(`invalid interpolation format for "${match}"`);
    const [, name, operator, argument = ''] = parts;
    const current = env[name];
    const isSet = current !== undefined;
    const nonEmpty = isSet && current !== '';
    switch (operator) {
      case undefined:
        return current ?? '';
      case ':-':
        return nonEmpty ? current : argument;
      case '-':
        return isSet ? current : argument;
      case ':+':
        return nonEmpty ? argument : '';
      case '+':
        return isSet ? argument : '';
      default: // ':?' and '?'
        if (operator === ':?' ? !nonEmpty : !isSet) throw new Error(`required variable ${name} is missing a value: ${argument}`);
        return current!;
    }
  });
}

function interpolateAll(node: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateAll(item, env));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateAll(value, env)]));
  }
  return node;
}

/** The file as Compose reads it, without docker-compose: merge keys resolved, values interpolated. */
function parseComposeFile(env: NodeJS.ProcessEnv): ComposeFile & Record<string, unknown> {
  const raw = yaml.parse(fs.readFileSync(COMPOSE_FILE, 'utf8'), { merge: true });
  return interpolateAll(raw, env) as ComposeFile & Record<string, unknown>;
}

/** What `docker-compose config` reports beyond the file itself: build contexts as absolute paths. */
function normalised(file: ComposeFile): ComposeFile {
  const services = Object.fromEntries(
    Object.entries(file.services).map(([name, service]) => [
      name,
      service.build ? { ...service, build: { ...service.build, context: path.resolve(ROOT, service.build.context) } } : service,
    ]),
  );
  return { ...file, services };
}

function runComposeConfig(secrets: Record<string, string>) {
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, encoding: 'utf8', env: composeEnv(secrets) });
}

const dockerComposeInstalled = !(runComposeConfig(SECRET_ENV).error as NodeJS.ErrnoException | undefined)?.code;

interface Reader {
  /** The whole configuration with the test secrets set. */
  config: () => ComposeFile;
  /** The error text Compose gives when `secrets` are all it has. */
  refusal: (secrets: Record<string, string>) => string;
}

const readers: Array<[string, Reader]> = [
  [
    'docker-compose.yml parsed directly',
    {
      config: () => normalised(parseComposeFile(composeEnv(SECRET_ENV))),
      refusal: (secrets) => {
        try {
          parseComposeFile(composeEnv(secrets));
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error('the file was accepted without every secret');
      },
    },
  ],
  [
    dockerComposeInstalled ? '`docker-compose config`' : '`docker-compose config` (skipped: docker-compose is not installed here)',
    {
      config: () => {
        const result = runComposeConfig(SECRET_ENV);
        if (result.status !== 0) throw new Error(`docker-compose config failed (${result.status}):\n${result.stderr}`);
        return yaml.parse(result.stdout);
      },
      refusal: (secrets) => {
        const result = runComposeConfig(secrets);
        if (result.status === 0) throw new Error('docker-compose config accepted the file without every secret');
        return result.stderr;
      },
    },
  ],
];

describe('docker-compose.yml against the Compose Specification schema', () => {
  const validate = () => {
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/compose-spec/compose-spec.json'), 'utf8'));
    // The file names the draft-07 meta-schema by an address Ajv does not know it by; Ajv's default is draft-07.
    delete schema.$schema;
    return new Ajv({ allErrors: true, strict: false }).compile(schema);
  };

  it('is valid', () => {
    const check = validate();
    const valid = check(parseComposeFile(composeEnv(SECRET_ENV)));
    expect(check.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects what the schema forbids (the check has teeth)', () => {
    const file = parseComposeFile(composeEnv(SECRET_ENV));
    const misspelt = { ...file, services: { ...file.services, api: { ...file.services.api, dependson: {} } } };
    expect(validate()(misspelt)).toBe(false);
  });
});

describe('Compose interpolation as this test does it', () => {
  it('handles the forms Compose supports', () => {
    const env = { SET: 'value', EMPTY: '' };
    expect(interpolate('a $$ b $SET ${SET} ${UNSET}', env)).toBe('a $ b value value ');
    expect(interpolate('${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}', env)).toBe('d d  d');
    expect(interpolate('${SET:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}', env)).toBe('alt  alt ');
    expect(interpolate('${EMPTY?msg}', env)).toBe('');
    expect(() => interpolate('${EMPTY:?set EMPTY (see README)}', env)).toThrow('required variable EMPTY is missing a value: set EMPTY (see README)');
    expect(() => interpolate('${UNSET?msg}', env)).toThrow('missing a value: msg');
  });
});

describe.each(readers)('%s', (source, reader) => {
  const runs = source.startsWith('docker-compose.yml') || dockerComposeInstalled;
  const maybe = runs ? it : it.skip;
  let services: Record<string, ComposeService> = {};

  beforeAll(() => {
    if (runs) services = reader.config().services;
  });

  maybe('defines the whole stack', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'api', 'worker', 'carrier-sandbox', 'migrate']),
    );
  });

  maybe('builds the API, worker, carrier and migration job from the repository Dockerfile', () => {
    for (const name of ['api', 'worker', 'carrier-sandbox', 'migrate']) {
      expect(services[name].build).toMatchObject({ context: ROOT, dockerfile: 'Dockerfile' });
    }
    expect(services.worker.command).toEqual(['node', 'dist/worker/main.js']);
    expect(services.migrate.command).toEqual(['node', 'dist/db/migrate.js']);
  });

  maybe('wires the services to Postgres, Temporal and the sandbox carrier', () => {
    for (const name of ['api', 'worker']) {
      const env = services[name].environment ?? {};
      expect(new URL(env.DATABASE_URL).host).toBe('postgres:5432');
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(env.CARRIER_SANDBOX_URL).toBe('http://carrier-sandbox:3100');
      expect(env.CARRIER_SANDBOX_WEBHOOK_URL).toBe('http://api:3000/v1/webhooks/carriers/sandbox');
      expect(services[name].depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        temporal: { condition: 'service_healthy' },
      });
    }
  });

  maybe('has no change-me defaults and requires every secret with ${X:?…}', () => {
    const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
    expect(text).not.toMatch(/change-me/);
    expect(text).not.toMatch(/\$\{[A-Z_]+:-/);
    for (const name of REQUIRED_SECRETS) {
      expect(text).toContain(`\${${name}:?set ${name} (see README)}`);
      const others = Object.fromEntries(Object.entries(SECRET_ENV).filter(([key]) => key !== name));
      expect(reader.refusal(others)).toContain(`set ${name} (see README)`);
    }
  });

  maybe('runs the API and carrier with NODE_ENV=production, the worker as staging with the explicit sandbox gateway', () => {
    for (const name of ['api', 'carrier-sandbox', 'migrate']) expect(services[name].environment?.NODE_ENV).toBe('production');
    expect(services.worker.environment).toMatchObject({ NODE_ENV: 'staging', PAYMENT_GATEWAY: 'sandbox' });
    expect(services.worker.environment?.CARRIER_WEBHOOK_SECRET_SANDBOX).toBe(SECRET_ENV.CARRIER_WEBHOOK_SECRET_SANDBOX);
  });

  maybe("publishes Temporal's gRPC port and Web UI on 127.0.0.1 only", () => {
    for (const name of ['temporal', 'temporal-ui']) {
      const ports = services[name].ports ?? [];
      expect(ports.length).toBeGreaterThan(0);
      for (const port of ports) {
        if (typeof port === 'string') expect(port).toMatch(/^127\.0\.0\.1:/);
        else expect(port.host_ip).toBe('127.0.0.1');
      }
    }
  });
});

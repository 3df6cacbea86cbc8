import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';

/**
 * docker-compose.yml is valid and wires the production-like stack. `docker-compose config` needs
 * no Docker engine, so this runs everywhere `docker-compose` is installed.
 */
const ROOT = path.resolve(__dirname, '../..');

interface ComposeService {
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: Array<{ host_ip?: string; published?: string | number; target?: number } | string>;
  depends_on?: Record<string, { condition: string }>;
}

/** The secrets the stack requires (test values only; the file has no defaults). */
const REQUIRED_SECRETS = ['POSTGRES_PASSWORD', 'CARRIER_SANDBOX_API_KEY', 'CARRIER_WEBHOOK_SECRET_SANDBOX'];
const SECRET_ENV = Object.fromEntries(REQUIRED_SECRETS.map((name) => [name, `test-${name.toLowerCase()}-0123456789abcdef0123456789`]));

function runComposeConfig(extraEnv: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const name of REQUIRED_SECRETS) if (!(name in extraEnv)) delete env[name];
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, encoding: 'utf8', env });
}

function composeConfig(): { services: Record<string, ComposeService> } {
  const result = runComposeConfig(SECRET_ENV);
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('docker-compose is a prerequisite of this test; install it with `apt-get install docker-compose`.');
  }
  if (result.status !== 0) throw new Error(`docker-compose config failed (${result.status}):\n${result.stderr}`);
  return yaml.parse(result.stdout);
}

describe('docker-compose.yml', () => {
  const { services } = composeConfig();

  it('defines the whole stack', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'api', 'worker', 'carrier-sandbox', 'migrate']),
    );
  });

  it('builds the API, worker, carrier and migration job from the repository Dockerfile', () => {
    for (const name of ['api', 'worker', 'carrier-sandbox', 'migrate']) {
      expect(services[name].build).toMatchObject({ context: ROOT, dockerfile: 'Dockerfile' });
    }
    expect(services.worker.command).toEqual(['node', 'dist/worker/main.js']);
    expect(services.migrate.command).toEqual(['node', 'dist/db/migrate.js']);
  });

  it('wires the services to Postgres, Temporal and the sandbox carrier', () => {
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

  it('has no change-me defaults and requires every secret with ${X:?…}', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).not.toMatch(/change-me/);
    expect(text).not.toMatch(/\$\{[A-Z_]+:-/);
    for (const name of REQUIRED_SECRETS) {
      expect(text).toContain(`\${${name}:?set ${name} (see README)}`);
      const result = runComposeConfig(Object.fromEntries(Object.entries(SECRET_ENV).filter(([key]) => key !== name)));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(`set ${name} (see README)`);
    }
  });

  it('runs the API and carrier with NODE_ENV=production, the worker as staging with the explicit sandbox gateway', () => {
    for (const name of ['api', 'carrier-sandbox', 'migrate']) expect(services[name].environment?.NODE_ENV).toBe('production');
    expect(services.worker.environment).toMatchObject({ NODE_ENV: 'staging', PAYMENT_GATEWAY: 'sandbox' });
    expect(services.worker.environment?.CARRIER_WEBHOOK_SECRET_SANDBOX).toBe(SECRET_ENV.CARRIER_WEBHOOK_SECRET_SANDBOX);
  });

  it("publishes Temporal's gRPC port and Web UI on 127.0.0.1 only", () => {
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

import { spawnSync } from 'node:child_process';
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
  depends_on?: Record<string, { condition: string }>;
}

function composeConfig(): { services: Record<string, ComposeService> } {
  const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT, encoding: 'utf8' });
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
});

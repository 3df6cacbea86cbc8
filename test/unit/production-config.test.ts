import { loadConfig } from '../../infra/config';
import { assertProductionSecrets, DEVELOPMENT_SECRETS } from '../../infra/production';

const GOOD_KEY = 'carrier-api-key-0123456789abcdef0123456789';
const GOOD_SECRET = 'webhook-secret-0123456789abcdef0123456789';
const GOOD_SUPPLIER_KEY = 'supplier-api-key-0123456789abcdef0123456789';
const GOOD_SUPPLIER_SECRET = 'supplier-webhook-secret-0123456789abcdef0123456789';
const good = {
  NODE_ENV: 'production',
  CARRIER_SANDBOX_API_KEY: GOOD_KEY,
  CARRIER_WEBHOOK_SECRET_SANDBOX: GOOD_SECRET,
  SUPPLIER_SANDBOX_API_KEY: GOOD_SUPPLIER_KEY,
  SUPPLIER_WEBHOOK_SECRET_SANDBOX: GOOD_SUPPLIER_SECRET,
};

describe('production secrets (NODE_ENV=production)', () => {
  it('accepts good values and registers only the configured webhook secrets', () => {
    const config = loadConfig(good);
    expect(config.carrier.sandboxApiKey).toBe(GOOD_KEY);
    expect(config.carrier.webhookSecrets).toEqual({ sandbox: GOOD_SECRET });
    expect(config.supplier).toMatchObject({ name: 'sandbox', sandboxApiKey: GOOD_SUPPLIER_KEY, webhookSecrets: { sandbox: GOOD_SUPPLIER_SECRET } });
    expect(() => assertProductionSecrets(config, good)).not.toThrow();
  });

  it("refuses the dropship supplier's missing, development or short secrets like the carrier's", () => {
    expect(DEVELOPMENT_SECRETS).toEqual(expect.arrayContaining(['sandbox-supplier-webhook-dev-secret', 'sandbox-supplier-dev-key']));
    expect(() => loadConfig({ ...good, SUPPLIER_SANDBOX_API_KEY: undefined })).toThrow(/SUPPLIER_SANDBOX_API_KEY is not set/);
    expect(() => loadConfig({ ...good, SUPPLIER_WEBHOOK_SECRET_SANDBOX: '' })).toThrow(/SUPPLIER_WEBHOOK_SECRET_SANDBOX is not set/);
    expect(() => loadConfig({ ...good, SUPPLIER_SANDBOX_API_KEY: 'sandbox-supplier-dev-key' })).toThrow(
      /SUPPLIER_SANDBOX_API_KEY is a known development value/,
    );
    expect(() => loadConfig({ ...good, SUPPLIER_WEBHOOK_SECRET_SANDBOX: 'sandbox-supplier-webhook-dev-secret' })).toThrow(
      /SUPPLIER_WEBHOOK_SECRET_SANDBOX is a known development value/,
    );
    expect(() => loadConfig({ ...good, SUPPLIER_WEBHOOK_SECRET_SANDBOX: 'x'.repeat(31) })).toThrow(
      /SUPPLIER_WEBHOOK_SECRET_SANDBOX is shorter than 32 bytes/,
    );
    // Another supplier service needs its own webhook secret, and no sandbox API key.
    const acme = { ...good, SUPPLIER: 'acme', SUPPLIER_SANDBOX_API_KEY: undefined, SUPPLIER_WEBHOOK_SECRET_SANDBOX: undefined };
    expect(() => loadConfig(acme)).toThrow(/SUPPLIER_WEBHOOK_SECRET_ACME is not set/);
    expect(loadConfig({ ...acme, SUPPLIER_WEBHOOK_SECRET_ACME: GOOD_SUPPLIER_SECRET }).supplier.webhookSecrets).toEqual({ acme: GOOD_SUPPLIER_SECRET });
  });

  it('refuses missing secrets, naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/CARRIER_WEBHOOK_SECRET_SANDBOX is not set/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/CARRIER_SANDBOX_API_KEY is not set/);
    expect(() => loadConfig({ ...good, CARRIER_SANDBOX_API_KEY: '' })).toThrow(/CARRIER_SANDBOX_API_KEY is not set/);
    expect(() => loadConfig({ ...good, CARRIER_WEBHOOK_SECRET_SANDBOX: undefined })).toThrow(
      /CARRIER_WEBHOOK_SECRET_SANDBOX is not set/,
    );
  });

  it('refuses the development values from the source and anything starting change-me', () => {
    expect(DEVELOPMENT_SECRETS).toEqual(expect.arrayContaining(['sandbox-webhook-dev-secret', 'sandbox-carrier-dev-key']));
    expect(() => loadConfig({ ...good, CARRIER_WEBHOOK_SECRET_SANDBOX: 'sandbox-webhook-dev-secret' })).toThrow(
      /CARRIER_WEBHOOK_SECRET_SANDBOX is a known development value/,
    );
    expect(() => loadConfig({ ...good, CARRIER_SANDBOX_API_KEY: 'sandbox-carrier-dev-key' })).toThrow(
      /CARRIER_SANDBOX_API_KEY is a known development value/,
    );
    expect(() => loadConfig({ ...good, CARRIER_SANDBOX_API_KEY: 'change-me-sandbox-carrier-key-0123456789abcdef' })).toThrow(
      /CARRIER_SANDBOX_API_KEY is a known development value/,
    );
  });

  it('refuses secrets shorter than 32 bytes', () => {
    expect(() => loadConfig({ ...good, CARRIER_WEBHOOK_SECRET_SANDBOX: 'x'.repeat(31) })).toThrow(
      /CARRIER_WEBHOOK_SECRET_SANDBOX is shorter than 32 bytes/,
    );
    expect(() => loadConfig({ ...good, CARRIER_WEBHOOK_SECRET_SANDBOX: 'x'.repeat(32) })).not.toThrow();
  });

  it("requires the configured carrier's webhook secret, and the sandbox API key only for the sandbox", () => {
    const supplierSecrets = { SUPPLIER_SANDBOX_API_KEY: GOOD_SUPPLIER_KEY, SUPPLIER_WEBHOOK_SECRET_SANDBOX: GOOD_SUPPLIER_SECRET };
    const env = { NODE_ENV: 'production', CARRIER: 'acme', CARRIER_WEBHOOK_SECRET_ACME: GOOD_SECRET, ...supplierSecrets };
    expect(() => loadConfig(env)).not.toThrow();
    expect(loadConfig(env).carrier.webhookSecrets).toEqual({ acme: GOOD_SECRET });
    expect(() => loadConfig({ NODE_ENV: 'production', CARRIER: 'acme', ...supplierSecrets })).toThrow(/CARRIER_WEBHOOK_SECRET_ACME is not set/);
  });

  it('leaves development unaffected: the sandbox keeps its development defaults', () => {
    for (const env of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }]) {
      const config = loadConfig(env);
      expect(config.carrier.sandboxApiKey).toBe('sandbox-carrier-dev-key');
      expect(config.carrier.webhookSecrets).toEqual({ sandbox: 'sandbox-webhook-dev-secret' });
      expect(config.supplier).toMatchObject({
        sandboxUrl: 'http://127.0.0.1:3200',
        sandboxApiKey: 'sandbox-supplier-dev-key',
        webhookSecrets: { sandbox: 'sandbox-supplier-webhook-dev-secret' },
      });
    }
  });
});

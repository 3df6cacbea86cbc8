import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../infra/config';
import { connectionOptions } from '../../infra/temporal';

describe('Temporal TLS connection options', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
  const file = (name: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `-----BEGIN ${name}-----\n`);
    return p;
  };
  const cert = file('cert');
  const key = file('key');
  const ca = file('ca');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const options = (env: NodeJS.ProcessEnv) => connectionOptions(loadConfig(env).temporal);

  it('is plaintext without any TLS setting', () => {
    expect(options({}).tls).toBeUndefined();
  });

  it('uses the client pair, a custom CA and server name', () => {
    const tls = options({
      TEMPORAL_TLS_CERT_PATH: cert,
      TEMPORAL_TLS_KEY_PATH: key,
      TEMPORAL_TLS_CA_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).tls as Record<string, unknown>;
    expect(tls.clientCertPair).toEqual({ crt: fs.readFileSync(cert), key: fs.readFileSync(key) });
    expect(tls.serverRootCACertificate).toEqual(fs.readFileSync(ca));
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('turns TLS on with an API key, with the CA when given', () => {
    expect(options({ TEMPORAL_API_KEY: 'k' }).tls).toBe(true);
    expect((options({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_CA_PATH: ca }).tls as Record<string, unknown>).serverRootCACertificate).toEqual(
      fs.readFileSync(ca),
    );
  });

  it('refuses half-configured settings instead of connecting in plaintext', () => {
    expect(() => options({ TEMPORAL_TLS_CERT_PATH: cert })).toThrow('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
    expect(() => options({ TEMPORAL_TLS_KEY_PATH: key })).toThrow('must be set together');
    expect(() => options({ TEMPORAL_TLS_CA_PATH: ca })).toThrow('TEMPORAL_TLS_CA_PATH / TEMPORAL_TLS_SERVER_NAME need TLS');
    expect(() => options({ TEMPORAL_TLS_SERVER_NAME: 'x' })).toThrow('need TLS');
  });
});

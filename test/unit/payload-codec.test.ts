import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadConfig } from '../../infra/config';
import { ENCODING, EncryptionCodec, METADATA_ENCRYPTION_KEY_ID, payloadKeysFrom } from '../../infra/payload-codec';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const customer = { name: 'Ada Lovelace', line1: '12 Marylebone Road', city: 'London', postalCode: 'NW1 5LR' };
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('latin1');

function codecFrom(env: NodeJS.ProcessEnv): EncryptionCodec {
  return new EncryptionCodec(payloadKeysFrom(env)!);
}

describe('payload codec', () => {
  it('round-trips a payload and hides the plaintext', async () => {
    const codec = codecFrom({ TEMPORAL_PAYLOAD_KEY: keyA, TEMPORAL_PAYLOAD_KEY_ID: 'k1' });
    const plain = defaultPayloadConverter.toPayload(customer);
    const [encrypted] = await codec.encode([plain]);
    expect(text(encrypted.metadata!.encoding)).toBe(ENCODING);
    expect(text(encrypted.metadata![METADATA_ENCRYPTION_KEY_ID])).toBe('k1');
    expect(text(encrypted.data)).not.toContain('Ada Lovelace');
    expect(text(encrypted.data)).not.toContain('Marylebone');
    const [decoded] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(customer);
  });

  it('passes payloads that are not encrypted through decode untouched', async () => {
    const codec = codecFrom({ TEMPORAL_PAYLOAD_KEY: keyA });
    const plain = defaultPayloadConverter.toPayload(customer);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses tampered ciphertext', async () => {
    const codec = codecFrom({ TEMPORAL_PAYLOAD_KEY: keyA });
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(customer)]);
    const data = Buffer.from(encrypted.data!);
    data[20] ^= 0x01;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow();
  });

  it('decodes with an old key after rotation and encodes with the new one', async () => {
    const before = codecFrom({ TEMPORAL_PAYLOAD_KEY: keyA, TEMPORAL_PAYLOAD_KEY_ID: 'k1' });
    const [old] = await before.encode([defaultPayloadConverter.toPayload(customer)]);

    const after = codecFrom({ TEMPORAL_PAYLOAD_KEY: keyB, TEMPORAL_PAYLOAD_KEY_ID: 'k2', TEMPORAL_PAYLOAD_OLD_KEYS: `k1:${keyA}` });
    const [decoded] = await after.decode([old]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(customer);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(customer)]);
    expect(text(fresh.metadata![METADATA_ENCRYPTION_KEY_ID])).toBe('k2');

    // Without the old key the old payload cannot be read.
    const newOnly = codecFrom({ TEMPORAL_PAYLOAD_KEY: keyB, TEMPORAL_PAYLOAD_KEY_ID: 'k2' });
    await expect(newOnly.decode([old])).rejects.toThrow(/k1/);
  });

  it('config: no key means no encryption; a wrong key length stops start-up naming the variable', () => {
    expect(loadConfig({}).temporal.payloadKeys).toBeUndefined();
    expect(loadConfig({ TEMPORAL_PAYLOAD_KEY: keyA }).temporal.payloadKeys?.currentKeyId).toBe('default');
    const short = randomBytes(16).toString('base64');
    expect(() => loadConfig({ TEMPORAL_PAYLOAD_KEY: short })).toThrow(/TEMPORAL_PAYLOAD_KEY must be 32 bytes/);
    expect(() => loadConfig({ TEMPORAL_PAYLOAD_KEY: 'not base64!' })).toThrow(/TEMPORAL_PAYLOAD_KEY/);
    expect(() => loadConfig({ TEMPORAL_PAYLOAD_KEY: keyA, TEMPORAL_PAYLOAD_OLD_KEYS: `old:${short}` })).toThrow(/TEMPORAL_PAYLOAD_OLD_KEYS/);
    expect(() => loadConfig({ TEMPORAL_PAYLOAD_KEY: keyA, TEMPORAL_PAYLOAD_OLD_KEYS: keyB })).toThrow(/TEMPORAL_PAYLOAD_OLD_KEYS/);
  });
});

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * AES-256-GCM encryption of workflow payloads (inputs, results, signals: customer names and
 * addresses). The Temporal server and Web UI only ever see ciphertext; the Web UI decodes through
 * the codec server (infra/codec-server.ts).
 *
 * An encrypted payload carries `encoding: binary/encrypted` and `encryption-key-id` in its metadata;
 * its data is nonce (12 bytes) | ciphertext | auth tag (16 bytes) of the whole original Payload.
 * New payloads use the current key; any configured key decodes, so keys can rotate.
 */
export const ENCODING = 'binary/encrypted';
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
export const KEY_LENGTH = 32;

export interface PayloadKeys {
  /** Key id of the key new payloads are encrypted with. */
  currentKeyId: string;
  /** Every key that can decrypt, by id; includes the current one. */
  keys: Record<string, Buffer>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  private readonly currentKey: Buffer;

  constructor(private readonly payloadKeys: PayloadKeys) {
    const current = payloadKeys.keys[payloadKeys.currentKeyId];
    if (!current) throw new Error(`payload key "${payloadKeys.currentKeyId}" is not configured`);
    for (const [id, key] of Object.entries(payloadKeys.keys)) {
      if (key.length !== KEY_LENGTH) throw new Error(`payload key "${id}" must be ${KEY_LENGTH} bytes`);
    }
    this.currentKey = current;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => ({
      metadata: {
        encoding: encoder.encode(ENCODING),
        [METADATA_ENCRYPTION_KEY_ID]: encoder.encode(this.payloadKeys.currentKeyId),
      },
      data: encrypt(temporal.api.common.v1.Payload.encode(payload).finish(), this.currentKey),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const metadata = payload.metadata ?? {};
      if (!metadata.encoding || decoder.decode(metadata.encoding) !== ENCODING) return payload;
      const keyIdBytes = metadata[METADATA_ENCRYPTION_KEY_ID];
      if (!keyIdBytes) throw new Error('encrypted payload has no encryption-key-id');
      const keyId = decoder.decode(keyIdBytes);
      const key = this.payloadKeys.keys[keyId];
      if (!key) throw new Error(`no payload key configured for key id "${keyId}"`);
      if (!payload.data) throw new Error('encrypted payload has no data');
      return temporal.api.common.v1.Payload.decode(decrypt(payload.data, key));
    });
  }
}

function encrypt(plain: Uint8Array, key: Buffer): Uint8Array {
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv(CIPHER, key, nonce);
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function decrypt(data: Uint8Array, key: Buffer): Uint8Array {
  const bytes = Buffer.from(data);
  if (bytes.length < NONCE_LENGTH + TAG_LENGTH) throw new Error('encrypted payload is too short');
  const nonce = bytes.subarray(0, NONCE_LENGTH);
  const tag = bytes.subarray(bytes.length - TAG_LENGTH);
  const decipher = createDecipheriv(CIPHER, key, nonce);
  decipher.setAuthTag(tag);
  // final() throws when the ciphertext or tag was tampered with.
  return Buffer.concat([decipher.update(bytes.subarray(NONCE_LENGTH, bytes.length - TAG_LENGTH)), decipher.final()]);
}

/**
 * TEMPORAL_PAYLOAD_KEY (base64, 32 bytes), TEMPORAL_PAYLOAD_KEY_ID (default "default") and
 * TEMPORAL_PAYLOAD_OLD_KEYS ("id:base64,id:base64", decode only). Undefined without a key:
 * payloads stay plaintext. A malformed key stops start-up with the variable's name.
 */
export function payloadKeysFrom(env: NodeJS.ProcessEnv): PayloadKeys | undefined {
  const current = env.TEMPORAL_PAYLOAD_KEY?.trim();
  if (!current) {
    if (env.TEMPORAL_PAYLOAD_OLD_KEYS?.trim()) throw new Error('TEMPORAL_PAYLOAD_OLD_KEYS needs TEMPORAL_PAYLOAD_KEY');
    return undefined;
  }
  const currentKeyId = env.TEMPORAL_PAYLOAD_KEY_ID?.trim() || 'default';
  const keys: Record<string, Buffer> = {};
  for (const entry of (env.TEMPORAL_PAYLOAD_OLD_KEYS ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon).trim() : '';
    if (!id) throw new Error('TEMPORAL_PAYLOAD_OLD_KEYS must be a list of id:base64 pairs, separated by commas');
    keys[id] = keyFrom(entry.slice(colon + 1).trim(), `TEMPORAL_PAYLOAD_OLD_KEYS (key "${id}")`);
  }
  keys[currentKeyId] = keyFrom(current, 'TEMPORAL_PAYLOAD_KEY');
  return { currentKeyId, keys };
}

function keyFrom(base64: string, name: string): Buffer {
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_LENGTH) {
    throw new Error(`${name} must be ${KEY_LENGTH} bytes, base64-encoded (openssl rand -base64 32), got ${key.length} bytes`);
  }
  return key;
}

/** The data converter of clients and workers: the codec when keys are configured, otherwise none (plaintext). */
export function dataConverterFor(payloadKeys: PayloadKeys | undefined): { payloadCodecs: PayloadCodec[] } | undefined {
  return payloadKeys ? { payloadCodecs: [new EncryptionCodec(payloadKeys)] } : undefined;
}

import fs from 'node:fs';
import { Client, Connection, ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { SearchAttributeType } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import type { Config } from './config';
import { dataConverterFor } from './payload-codec';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

type TemporalConfig = Config['temporal'];

/**
 * TLS is on with a client certificate pair (mTLS) or an API key. A half-configured setting (a
 * certificate without its key, or a CA / server name without TLS) is a start-up error, never a
 * silent plaintext connection.
 */
export function connectionOptions(config: TemporalConfig): ConnectionOptions & { apiKey?: string } {
  if (Boolean(config.tlsCertPath) !== Boolean(config.tlsKeyPath)) {
    throw new Error('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
  }
  const tlsOn = Boolean(config.tlsCertPath) || Boolean(config.apiKey);
  if (!tlsOn && (config.tlsCaPath || config.tlsServerName)) {
    throw new Error(
      'TEMPORAL_TLS_CA_PATH / TEMPORAL_TLS_SERVER_NAME need TLS: set TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH, or TEMPORAL_API_KEY',
    );
  }
  if (!tlsOn) return { address: config.address, tls: undefined, apiKey: config.apiKey };
  const tls: Exclude<ConnectionOptions['tls'], boolean | null | undefined> = {};
  if (config.tlsCertPath && config.tlsKeyPath) {
    tls.clientCertPair = { crt: fs.readFileSync(config.tlsCertPath), key: fs.readFileSync(config.tlsKeyPath) };
  }
  if (config.tlsCaPath) tls.serverRootCACertificate = fs.readFileSync(config.tlsCaPath);
  if (config.tlsServerName) tls.serverNameOverride = config.tlsServerName;
  return { address: config.address, tls: Object.keys(tls).length > 0 ? tls : true, apiKey: config.apiKey };
}

export async function connectClient(config: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFor(config.payloadKeys) });
}

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}

const INDEXED_TYPE: Record<SearchAttributeType, proto.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Registers the engine's search attributes on the namespace; attributes already there are left alone. */
export async function ensureSearchAttributes(client: Client): Promise<void> {
  const connection = client.connection as Connection;
  const { namespace } = client.options;
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = ALL_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length > 0) await addSearchAttributes(client, missing);
}

/** The time-skipping test server can add search attributes but not list them. */
export async function addSearchAttributes(client: Client, keys = ALL_SEARCH_ATTRIBUTES): Promise<void> {
  await (client.connection as Connection).operatorService.addSearchAttributes({
    namespace: client.options.namespace,
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, INDEXED_TYPE[key.type as SearchAttributeType]])),
  });
}

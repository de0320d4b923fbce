import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { PayloadCodec, SearchAttributeType } from '@temporalio/common';
import { payloadCodec } from './codec.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

const INDEXED_VALUE_TYPE = proto.temporal.api.enums.v1.IndexedValueType;
type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

/**
 * Registers custom search attributes on any server (dev server, self-hosted cluster) through the operator
 * API. Idempotent: attributes that exist are left alone; a type clash is a clear error.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string, keys: ReadonlyArray<{ name: string; type: SearchAttributeType }>, logger: Logger): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing: Record<string, IndexedValueType> = {};
  for (const key of keys) {
    const wanted = INDEXED_VALUE_TYPE[`INDEXED_VALUE_TYPE_${key.type}`];
    const have = custom[key.name];
    if (have === undefined) missing[key.name] = wanted;
    else if (have !== wanted) {
      throw new Error(`Search attribute ${key.name} exists with type ${INDEXED_VALUE_TYPE[have]}, ${key.type} is needed`);
    }
  }
  if (Object.keys(missing).length === 0) return;
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  logger.info({ added: Object.keys(missing) }, 'Registered custom search attributes');
}

/** What every client and worker converts payloads with: the encryption codec of the configured keys. */
export function dataConverter(config: Pick<Config, 'encryptionKeys'>): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [payloadCodec(config)] };
}

/** A client of the configured namespace that encrypts what it sends and decrypts what it reads. */
export function createClient(connection: Connection, config: Pick<Config, 'encryptionKeys' | 'temporal'>): Client {
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverter(config) });
}

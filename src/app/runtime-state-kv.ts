import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RuntimeStateBackend } from './runtime-state.js';

/**
 * The runtime state of replicas (HA) in one NATS KV key, so `edit sourcebindings`, muted
 * channels and disabled actions made through one leader hold after a failover. The bucket keeps
 * one revision per key and no TTL; a deployment's key is its delivery consumer name, so agents
 * of different deployments on one NATS keep apart.
 */
export async function openKvStateBackend(options: {
  connection: NatsConnection;
  bucket: string;
  key: string;
  replicas: number;
}): Promise<RuntimeStateBackend> {
  const kv = await new Kvm(options.connection).create(options.bucket, {
    history: 1,
    replicas: options.replicas,
  });
  const where = `NATS KV ${options.bucket}/${options.key}`;
  return {
    where,
    async read() {
      const entry = await kv.get(options.key);
      return entry?.operation === 'PUT' ? entry.string() : undefined;
    },
    async write(text) {
      await kv.put(options.key, text);
    },
  };
}

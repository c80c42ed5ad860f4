/**
 * A bare Socket Mode client for protocol tests: opens a connection the way the SDK does
 * (apps.connections.open, then the returned URL) and records every frame, acking only when told to.
 */
import WebSocket from 'ws';

export interface RawFrame {
  type: string;
  envelope_id?: string;
  payload?: Record<string, unknown> & { event?: Record<string, unknown> };
  retry_attempt?: number;
  retry_reason?: string;
  reason?: string;
  [key: string]: unknown;
}

export interface RawSocketClient {
  frames: RawFrame[];
  pings: number;
  /** Envelopes (not hello/disconnect) received so far. */
  envelopes(): RawFrame[];
  ack(envelopeId: string, payload?: Record<string, unknown>): void;
  closed(): boolean;
  close(): Promise<void>;
}

/** Connects with `appToken` against `apiUrl`; resolves once the socket is open. */
export async function connectRawSocket(apiUrl: string, appToken: string): Promise<RawSocketClient> {
  const response = await fetch(`${apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${appToken}` },
  });
  const body = (await response.json()) as { ok: boolean; url?: string; error?: string };
  if (!body.ok || !body.url) throw new Error(`apps.connections.open failed: ${body.error}`);
  const ws = new WebSocket(body.url);
  const client: RawSocketClient = {
    frames: [],
    pings: 0,
    envelopes: () => client.frames.filter((f) => f.envelope_id !== undefined),
    ack: (envelopeId, payload = {}) => ws.send(JSON.stringify({ envelope_id: envelopeId, payload })),
    closed: () => ws.readyState === WebSocket.CLOSED,
    close: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      });
    },
  };
  ws.on('message', (data) => client.frames.push(JSON.parse(data.toString()) as RawFrame));
  ws.on('ping', () => {
    client.pings += 1;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

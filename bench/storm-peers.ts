/**
 * The far side of the 20-channel storm (bench/storm.ts `storm20`), run in a child process so
 * that the bench process holds only what an agent would: the pipeline, its queue file and its
 * HTTP clients. This process runs the rate-limited chat platform and the slow webhook receiver,
 * records what they got, and answers the parent's questions over the IPC channel.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventNumbersIn, eventsIn, RateLimitedPlatform } from '../test/support/rate-limited-destination.js';
import { type Summary, summarize } from './lib/stats.js';

/** What the parent asks. */
export type PeersRequest =
  | { type: 'represented'; channels: string[] }
  | { type: 'report'; channels: string[]; sentAt: number[]; pattern: string }
  | { type: 'close' };

/** What this process answers, in order. */
export type PeersAnswer =
  | { type: 'ready'; platformUrl: string; receiverUrl: string }
  | { type: 'represented'; counts: number[] }
  | { type: 'report'; report: PeersReport }
  | { type: 'closed' };

export interface PeersReport {
  messages: number;
  represented: number;
  detailed: number;
  rateLimited: number;
  latency: Summary;
  /** Distinct events the receiver took. */
  sinkArrived: number;
  peakRssMiB: number;
}

/** The settings the parent's destinations must match. */
export const stormPlatformLimits = { ratePerSecond: 1, burst: 3, maxTextLength: 3000 };

/** Starts both servers and serves the parent until it says `close`. */
export async function runStormPeers(receiverDelayMs = 200): Promise<void> {
  const send = (answer: PeersAnswer) => process.send?.(answer);
  const platform = await RateLimitedPlatform.start(stormPlatformLimits);
  const arrived = new Set<number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { i: number } };
      arrived.add(body.data.i);
      setTimeout(() => res.writeHead(201).end(), receiverDelayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  process.on('message', (request: PeersRequest) => {
    if (request.type === 'represented')
      send({
        type: 'represented',
        counts: request.channels.map((id) => platform.messages(id).reduce((n, m) => n + eventsIn(m), 0)),
      });
    else if (request.type === 'report') send({ type: 'report', report: report(request) });
    else {
      clearInterval(sampler);
      server.closeAllConnections();
      server.close();
      void platform.close().then(() => {
        send({ type: 'closed' });
        process.disconnect?.();
      });
    }
  });

  function report(request: Extract<PeersRequest, { type: 'report' }>): PeersReport {
    const pattern = new RegExp(request.pattern);
    const total = request.sentAt.length;
    let messages = 0;
    let represented = 0;
    let detailed = 0;
    const latencies: number[] = [];
    for (const id of request.channels) {
      const posted = platform.messages(id);
      messages += posted.length;
      const at: (number | undefined)[] = new Array(total);
      for (const m of posted) {
        represented += eventsIn(m);
        for (const i of eventNumbersIn(m, pattern)) at[i] ??= m.postedAt;
      }
      for (let i = 0; i < total; i++) {
        const t = at[i];
        if (t === undefined) continue;
        detailed += 1;
        latencies.push(t - (request.sentAt[i] as number));
      }
    }
    return {
      messages,
      represented,
      detailed,
      rateLimited: platform.rateLimitedAnswers,
      latency: summarize(latencies),
      sinkArrived: arrived.size,
      peakRssMiB: peakRss / 2 ** 20,
    };
  }

  send({
    type: 'ready',
    platformUrl: platform.url,
    receiverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
  });
}

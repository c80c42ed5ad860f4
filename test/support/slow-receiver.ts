import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver that answers after `delayMs`, or 503 while `down`; it records event numbers
 * and the `Idempotency-Key` each arrival carried.
 */
export class SlowReceiver {
  readonly arrivals: number[] = [];
  /** Idempotency keys seen per event number. */
  readonly keys = new Map<number, Set<string>>();
  down = false;
  delayMs = 50;
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        if (this.down) {
          res.writeHead(503).end();
          return;
        }
        const n = /ev-(\d+)-/.exec(body)?.[1];
        if (n !== undefined) {
          this.arrivals.push(Number(n));
          const seen = this.keys.get(Number(n)) ?? new Set<string>();
          seen.add(String(req.headers['idempotency-key']));
          this.keys.set(Number(n), seen);
        }
        setTimeout(() => res.writeHead(200).end(), this.delayMs);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  unique(): Set<number> {
    return new Set(this.arrivals);
  }

  /** Event numbers that arrived more than once, each with the keys its copies carried. */
  repeats(): { event: number; keys: string[] }[] {
    const counts = new Map<number, number>();
    for (const n of this.arrivals) counts.set(n, (counts.get(n) ?? 0) + 1);
    return [...counts]
      .filter(([, count]) => count > 1)
      .map(([event]) => ({ event, keys: [...(this.keys.get(event) ?? [])] }));
  }

  reset(): void {
    this.arrivals.length = 0;
    this.keys.clear();
    this.down = false;
    this.delayMs = 50;
  }
}

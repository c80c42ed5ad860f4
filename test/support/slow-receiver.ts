import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook receiver that answers after `delayMs`, or 503 while `down`; it records event numbers. */
export class SlowReceiver {
  readonly arrivals: number[] = [];
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
        if (n !== undefined) this.arrivals.push(Number(n));
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
}

import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type SelfSignedCertificate } from './x509.js';

interface HandshakeResult {
  serverAccepted: boolean;
  clientError?: Error;
  serverError?: Error;
}

/**
 * Runs one mutual-TLS exchange over loopback: the server presents `server` and trusts only
 * `trustedByServer`; the client presents `client` and trusts only `trustedByClient`.
 */
async function mutualTls(options: {
  server: SelfSignedCertificate;
  client: SelfSignedCertificate;
  trustedByServer: SelfSignedCertificate;
  trustedByClient: SelfSignedCertificate;
}): Promise<HandshakeResult> {
  const result: HandshakeResult = { serverAccepted: false };
  const server = createServer({
    key: options.server.keyPem,
    cert: options.server.certPem,
    ca: [options.trustedByServer.certPem],
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    result.serverAccepted = socket.authorized;
    socket.end('pong');
  });
  server.on('tlsClientError', (error) => {
    result.serverError = error;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        key: options.client.keyPem,
        cert: options.client.certPem,
        ca: [options.trustedByClient.certPem],
        rejectUnauthorized: true,
      });
      socket.on('error', (error) => {
        result.clientError = error;
        resolve();
      });
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return result;
}

describe('createSelfSignedCertificate', () => {
  it('produces a certificate node:crypto parses, with the default subject, SAN and CA flag', () => {
    const { certPem, keyPem, certDer } = createSelfSignedCertificate();
    const x509 = new X509Certificate(certPem);

    expect(x509.subject).toBe('O=Switchboard\nCN=localhost');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(x509.ca).toBe(true);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(x509.publicKey.asymmetricKeyType).toBe('ec');
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x509.raw.equals(certDer)).toBe(true);
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('is signed by its own key', () => {
    const x509 = new X509Certificate(createSelfSignedCertificate().certPem);

    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.verify(new X509Certificate(createSelfSignedCertificate().certPem).publicKey)).toBe(false);
  });

  it('applies the requested names, CA flag and lifetime', () => {
    const before = Date.now();
    const { certPem } = createSelfSignedCertificate({
      commonName: 'plugin-host',
      dnsNames: ['localhost', 'host.internal'],
      ipAddresses: ['127.0.0.1', '::1'],
      isCa: false,
      validForMs: 60 * 60 * 1000,
    });
    const after = Date.now();
    const x509 = new X509Certificate(certPem);

    expect(x509.subject).toBe('O=Switchboard\nCN=plugin-host');
    expect(x509.subjectAltName).toBe(
      'DNS:localhost, DNS:host.internal, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(x509.ca).toBe(false);
    expect(x509.checkHost('host.internal')).toBe('host.internal');
    expect(x509.checkIP('::1')).toBe('::1');
    const notBefore = Date.parse(x509.validFrom);
    const notAfter = Date.parse(x509.validTo);
    // 30 s before the moment of creation, cut to whole seconds (UTCTime): bounded by the clock
    // around the call, however long a loaded machine took over it.
    expect(notBefore).toBeLessThanOrEqual(after - 30_000);
    expect(notBefore).toBeGreaterThanOrEqual(Math.floor((before - 30_000) / 1000) * 1000);
    expect(notAfter - notBefore).toBeGreaterThanOrEqual(60 * 60 * 1000 + 29_000);
    expect(notAfter - notBefore).toBeLessThanOrEqual(60 * 60 * 1000 + 32_000);
  });

  it('uses a fresh positive serial for each certificate', () => {
    const a = new X509Certificate(createSelfSignedCertificate().certPem).serialNumber;
    const b = new X509Certificate(createSelfSignedCertificate().certPem).serialNumber;

    expect(a).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(a).not.toBe(b);
  });

  it('rejects a non-positive lifetime and malformed IP addresses', () => {
    expect(() => createSelfSignedCertificate({ validForMs: 0 })).toThrow(RangeError);
    expect(() => createSelfSignedCertificate({ ipAddresses: ['localhost'] })).toThrow(RangeError);
  });

  it('is fast enough to create at every plugin start', () => {
    createSelfSignedCertificate();
    const started = performance.now();
    for (let i = 0; i < 20; i++) {
      createSelfSignedCertificate();
    }
    expect((performance.now() - started) / 20).toBeLessThan(20);
  });

  it('completes a mutual-TLS handshake where each side trusts only the other’s certificate', async () => {
    const server = createSelfSignedCertificate();
    const client = createSelfSignedCertificate();

    const result = await mutualTls({ server, client, trustedByServer: client, trustedByClient: server });

    expect(result.clientError).toBeUndefined();
    expect(result.serverError).toBeUndefined();
    expect(result.serverAccepted).toBe(true);
  });

  it('completes the handshake with non-CA certificates too', async () => {
    const server = createSelfSignedCertificate({ isCa: false });
    const client = createSelfSignedCertificate({ isCa: false });

    const result = await mutualTls({ server, client, trustedByServer: client, trustedByClient: server });

    expect(result.serverError).toBeUndefined();
    expect(result.serverAccepted).toBe(true);
  });

  it('rejects a client presenting a certificate the server does not trust', async () => {
    const server = createSelfSignedCertificate();
    const trusted = createSelfSignedCertificate();
    const stranger = createSelfSignedCertificate();

    const result = await mutualTls({
      server,
      client: stranger,
      trustedByServer: trusted,
      trustedByClient: server,
    });

    expect(result.serverAccepted).toBe(false);
    expect(result.serverError).toBeInstanceOf(Error);
  });
});

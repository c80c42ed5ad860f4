import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../contract/tls/x509.js';
import { parseHandshake } from './handshake.js';

const accepted = [1, 2, 3];

describe('parseHandshake', () => {
  it('parses a Botkube plugin line that ends in a bare pipe', () => {
    expect(parseHandshake('1|3|unix|/tmp/p/plugin123|grpc|\n', 'echo', accepted)).toEqual({
      coreVersion: 1,
      appVersion: 3,
      network: 'unix',
      address: '/tmp/p/plugin123',
      protocol: 'grpc',
    });
  });

  it('tolerates CRLF and a 7th (multiplexing) field', () => {
    expect(parseHandshake('1|2|tcp|127.0.0.1:10001|grpc||false\r\n', 'x', accepted)).toMatchObject({
      appVersion: 2,
      network: 'tcp',
      multiplex: false,
    });
  });

  it('turns an unpadded base64 certificate into PEM', () => {
    const { certDer } = createSelfSignedCertificate();
    const field = Buffer.from(certDer).toString('base64').replace(/=+$/, '');
    const parsed = parseHandshake(`1|3|unix|/s|grpc|${field}`, 'x', accepted);
    expect(parsed.serverCertPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('rejects a wrong app version, naming plugin, version and accepted set', () => {
    expect(() => parseHandshake('1|4|unix|/s|grpc|', 'kubectl', accepted)).toThrowError(
      /plugin kubectl: announced app protocol version "4", but this host accepts \[1, 2, 3\]/,
    );
  });

  it('rejects a wrong core version', () => {
    expect(() => parseHandshake('2|3|unix|/s|grpc|', 'x', accepted)).toThrowError(
      /core protocol version "2"/,
    );
  });

  it('rejects garbage, netrpc, unknown networks, empty addresses and bad certificates', () => {
    expect(() => parseHandshake('hello world', 'x', accepted)).toThrowError(
      /unrecognised handshake line "hello world"/,
    );
    expect(() => parseHandshake('1|3|unix|/s', 'x', accepted)).toThrowError(/speaks protocol "netrpc"/);
    expect(() => parseHandshake('1|3|pipe|/s|grpc|', 'x', accepted)).toThrowError(/network "pipe"/);
    expect(() => parseHandshake('1|3|unix||grpc|', 'x', accepted)).toThrowError(/empty address/);
    const notACert = Buffer.from(
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
        type: 'spki',
        format: 'der',
      }),
    ).toString('base64');
    expect(() => parseHandshake(`1|3|unix|/s|grpc|${notACert}`, 'x', accepted)).toThrowError(
      /not valid base64 DER X.509/,
    );
  });

  it('errors carry a code callers can branch on', () => {
    try {
      parseHandshake('1|9|unix|/s|grpc|', 'x', accepted);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('SB_ERR_PLUGIN_VERSION');
    }
  });
});

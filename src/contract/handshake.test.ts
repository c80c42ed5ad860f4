import { describe, expect, it } from 'vitest';
import { formatHandshakeLine, negotiateAppVersion } from './handshake.js';

describe('negotiateAppVersion', () => {
  it('picks the highest common version', () => {
    expect(negotiateAppVersion('1,2,3', [2, 3])).toBe(3);
    expect(negotiateAppVersion('2', [1, 2, 3])).toBe(2);
    expect(negotiateAppVersion(' 1 , 2 ', [2, 3])).toBe(2);
  });

  it('announces its lowest version when nothing is common, as go-plugin does', () => {
    expect(negotiateAppVersion('4,5', [2, 3])).toBe(2);
  });

  it('uses its highest version when the host offers none', () => {
    expect(negotiateAppVersion(undefined, [1, 2, 3])).toBe(3);
    expect(negotiateAppVersion('', [2, 3])).toBe(3);
  });
});

describe('formatHandshakeLine', () => {
  it('ends in a bare pipe without a certificate', () => {
    expect(formatHandshakeLine({ appVersion: 3, network: 'unix', address: '/tmp/x/plugin1' })).toBe(
      '1|3|unix|/tmp/x/plugin1|grpc|\n',
    );
  });

  it('writes the certificate as unpadded base64', () => {
    const line = formatHandshakeLine({
      appVersion: 3,
      network: 'unix',
      address: '/s',
      serverCertDer: new Uint8Array([1, 2, 3, 4]),
    });
    expect(line).toBe('1|3|unix|/s|grpc|AQIDBA\n');
  });
});

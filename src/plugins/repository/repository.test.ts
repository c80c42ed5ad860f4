import { describe, expect, it } from 'vitest';
import { wrapEsmBundleAsCjs } from '../publish/cjs-wrap.js';
import { parseChecksum, parseGetterUrl, redactUrl } from './getter-url.js';
import { parseIndex } from './index-parse.js';
import { parsePluginKey } from './plugin-key.js';
import { resolveEntries, selectArtifact } from './resolve-entry.js';

const index = parseIndex(
  `entries:
  - {name: echo, type: executor, version: v0.3.1, urls: [{url: a, platform: {os: linux, architecture: amd64}}]}
  - {name: echo, type: executor, version: 0.4.0-rc.1, urls: [{url: b, platform: {os: linux, architecture: amd64}}]}
  - {name: echo, type: executor, version: 0.2.0, urls: [{url: c, platform: {os: darwin, architecture: arm64}}]}
  - {name: echo, type: source, version: 1.0.0, urls: [{url: d, platform: {os: linux, architecture: amd64}}]}
`,
  'test',
);

describe('index parsing', () => {
  it('names the entry and the field of every problem at once', () => {
    expect(() =>
      parseIndex(
        'entries:\n  - {name: a_b, type: exec, version: "1", urls: []}\n  - {name: ok, type: source, version: "1", urls: [{url: x, platform: {os: linux}}]}\n',
        'x',
      ),
    ).toThrow(
      /entries\[0\] \(a_b\): name: must be letters.*\n.*entries\[0\] \(a_b\): type: .*\n.*entries\[0\] \(a_b\): urls: must list at least one platform build\n.*entries\[1\] \(ok\): urls\[0\]\.platform\.architecture/,
    );
  });

  it('refuses path characters in versions (they become file names)', () => {
    expect(() =>
      parseIndex(
        'entries:\n  - {name: a, type: source, version: ../../x, urls: [{url: x, platform: {os: l, architecture: a}}]}\n',
        'x',
      ),
    ).toThrow(/version: must be a version/);
  });

  it('accepts an empty document as an empty index', () => {
    expect(parseIndex('', 'x')).toEqual({ entries: [] });
  });
});

describe('resolution', () => {
  it('unpinned takes the highest stable over a higher pre-release (npm/Helm; Botkube differs); pins reach it', () => {
    const rc = parseIndex(
      `entries:
  - {name: p, type: executor, version: 1.0.0-rc.1, urls: [{url: a, platform: {os: linux, architecture: amd64}}]}
  - {name: p, type: executor, version: 0.9.0, urls: [{url: b, platform: {os: linux, architecture: amd64}}]}
`,
      'test',
    );
    const pick = (version?: string) => resolveEntries(rc, { repo: 'r', name: 'p', version })[0]?.version;
    expect(pick()).toBe('0.9.0');
    expect(pick('1.0.0-rc.1')).toBe('1.0.0-rc.1');
    expect(pick('>=1.0.0-rc.0')).toBe('1.0.0-rc.1');
  });

  it('latest is the highest stable; pins match with or without v; ranges work', () => {
    expect(
      resolveEntries(index, { repo: 'r', name: 'echo', type: 'executor' }).map((e) => e.version),
    ).toEqual(['v0.3.1']);
    expect(
      resolveEntries(index, { repo: 'r', name: 'echo', version: '0.3.1', type: 'executor' })[0]?.version,
    ).toBe('v0.3.1');
    expect(
      resolveEntries(index, { repo: 'r', name: 'echo', version: '^0.2', type: 'executor' })[0]?.version,
    ).toBe('0.2.0');
    // Without a type, both the executor and the source of that name.
    expect(resolveEntries(index, { repo: 'r', name: 'echo' }).map((e) => e.type)).toEqual([
      'executor',
      'source',
    ]);
  });

  it('an absent exact version is not silently replaced', () => {
    expect(() =>
      resolveEntries(index, { repo: 'r', name: 'echo', version: '0.3.2', type: 'executor' }),
    ).toThrow(
      /no version 0\.3\.2 of echo; it offers executor 0\.4\.0-rc\.1, executor v0\.3\.1, executor 0\.2\.0/,
    );
  });

  it('platform selection lists what there is', () => {
    const [old] = resolveEntries(index, { repo: 'r', name: 'echo', version: '0.2.0', type: 'executor' });
    expect(() => selectArtifact('r', old as never, { os: 'linux', arch: 'amd64' })).toThrow(
      /it has darwin\/arm64/,
    );
  });

  it('keys', () => {
    expect(parsePluginKey('botkubeExtra/helm@v1.14.0')).toEqual({
      key: 'botkubeExtra/helm@v1.14.0',
      repo: 'botkubeExtra',
      name: 'helm',
      version: 'v1.14.0',
    });
    expect(() => parsePluginKey('../x')).toThrow(/repo\/name\[@version\]/);
    expect(() => parsePluginKey('helm')).toThrow();
  });
});

describe('go-getter URLs', () => {
  it('splits //subdir, removes magic parameters, keeps the others, resolves relative URLs', () => {
    const g = parseGetterUrl(
      'https://h/x/gh_2.45.0.tar.gz//gh_2.45.0/bin?checksum=sha256:' +
        'a'.repeat(64) +
        '&token=t&filename=gh',
      'https://r/index.yaml',
    );
    expect(g.url.toString()).toBe('https://h/x/gh_2.45.0.tar.gz?token=t');
    expect(g).toMatchObject({
      subdir: 'gh_2.45.0/bin',
      filename: 'gh',
      checksum: { type: 'sha256', hex: 'a'.repeat(64) },
    });
    const rel = parseGetterUrl('deps/a.tgz//d', 'file:///srv/repo/index.yaml');
    expect(rel.url.toString()).toBe('file:///srv/repo/deps/a.tgz');
    expect(rel.subdir).toBe('d');
  });

  it('guesses checksum types by length and refuses mismatches and other schemes', () => {
    expect(parseChecksum('b'.repeat(40), 'u').type).toBe('sha1');
    expect(() => parseChecksum('sha256:abc', 'u')).toThrow(/right length/);
    expect(() => parseGetterUrl('git::https://h/r', 'https://r/')).toThrow(/unsupported go-getter getter/);
    expect(() => parseGetterUrl('ftp://h/x', 'https://r/')).toThrow(/unsupported URL scheme/);
  });

  it('redacts credentials', () => {
    expect(redactUrl('https://u:p@h/x?token=s&checksum=1')).toBe('https://***@h/x?token=***&checksum=1');
  });
});

describe('cjs wrapping', () => {
  it('hoists built-in imports and runs the body in an async function', () => {
    const out = wrapEsmBundleAsCjs(
      '#!/usr/bin/env node\nimport { join as j } from "node:path";\nimport * as fs from "fs";\nawait Promise.resolve(j("a", "b") + typeof fs + __m);\n',
      '__m',
    );
    expect(out).toContain('var { join: j } = require("node:path");');
    expect(out).toContain('var fs = require("fs");');
    expect(() => wrapEsmBundleAsCjs('import x from "left-pad";\n', '__m')).toThrow(/not a Node built-in/);
  });
});

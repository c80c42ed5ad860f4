import { describe, expect, it } from 'vitest';
import { ChannelDirectory } from './channel-directory.js';

function directory(channels: { id: string; name: string }[], now = () => 0) {
  let calls = 0;
  const dir = new ChannelDirectory({
    list: async () => {
      calls += 1;
      return channels.map((c) => ({ ...c }));
    },
    refreshIntervalMs: 30_000,
    now,
  });
  return { dir, calls: () => calls };
}

describe('ChannelDirectory', () => {
  it('resolves configured names and IDs once and maps IDs back to the configured reference', async () => {
    const { dir, calls } = directory([
      { id: 'C0OPS', name: 'prod-ops' },
      { id: 'C0DEV', name: 'dev' },
    ]);
    await dir.resolveConfigured(['prod-ops', 'C0DEV', '#Prod-Ops']);
    expect(calls()).toBe(1);
    expect(await dir.idFor('prod-ops')).toBe('C0OPS');
    expect(await dir.idFor('C0DEV')).toBe('C0DEV');
    expect(dir.configuredRef('C0OPS')).toBe('#Prod-Ops');
    expect(dir.configuredRef('C0DEV')).toBe('C0DEV');
    expect(dir.nameOf('C0DEV')).toBe('dev');
    expect(calls()).toBe(1);
  });

  it('names every channel it cannot find', async () => {
    const { dir } = directory([{ id: 'C0OPS', name: 'prod-ops' }]);
    await expect(dir.resolveConfigured(['prod-ops', 'nope', 'C0MISSING'])).rejects.toMatchObject({
      code: 'SB_ERR_PLATFORM_CHANNEL',
      message: expect.stringMatching(/"nope", "C0MISSING" not found among the 1 channels/),
    });
  });

  it('keeps configured channels pinned across a rename, and learns the new name', async () => {
    const { dir, calls } = directory([{ id: 'C0OPS', name: 'prod-ops' }]);
    await dir.resolveConfigured(['prod-ops']);
    dir.renamed('C0OPS', 'ops-2');
    expect(await dir.idFor('prod-ops')).toBe('C0OPS');
    expect(await dir.idFor('ops-2')).toBe('C0OPS');
    expect(dir.nameOf('C0OPS')).toBe('ops-2');
    expect(calls()).toBe(1);
  });

  it('refreshes on an unknown name at most once per interval, and passes IDs through', async () => {
    let clock = 0;
    const channels = [{ id: 'C0OPS', name: 'prod-ops' }];
    const { dir, calls } = directory(channels, () => clock);
    await dir.resolveConfigured(['prod-ops']);
    channels.push({ id: 'C0NEW', name: 'new' });
    clock = 10_000;
    expect(await dir.idFor('new')).toBeUndefined();
    expect(calls()).toBe(1);
    clock = 40_000;
    expect(await Promise.all([dir.idFor('new'), dir.idFor('new')])).toEqual(['C0NEW', 'C0NEW']);
    expect(calls()).toBe(2);
    expect(await dir.idFor('D0DM')).toBe('D0DM');
    expect(calls()).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/test-logger.js';
import type { Capability, ChannelRole, DriverSession, PlatformDriver, Reply } from './platform-driver.js';

/** Every wait for the agent: generous, for a loaded two-core machine. */
const patience = 45_000;

interface Scenario {
  name: string;
  /** A capability the platform must declare; without it the scenario is reported as skipped. */
  requires?: Capability;
  run(driver: PlatformDriver, session: DriverSession): Promise<void>;
}

/** Waits for a reply in `channel`, not among `seen`, that `match` accepts. */
async function replyWhere(
  driver: PlatformDriver,
  channel: ChannelRole,
  match: (reply: Reply) => boolean,
  what: string,
  seen: ReadonlySet<string> = new Set(),
): Promise<Reply> {
  return waitFor(
    async () => (await driver.replies(channel)).find((r) => !seen.has(r.id) && match(r)),
    patience,
    what,
  );
}

const idsIn = async (driver: PlatformDriver, channel: ChannelRole) =>
  new Set((await driver.replies(channel)).map((r) => r.id));

async function platformStatus(session: DriverSession): Promise<{ state: string } | undefined> {
  const response = await fetch(`${session.operationsUrl}/status`);
  const status = (await response.json()) as { platforms: { id: string; state: string }[] };
  return status.platforms.find((p) => p.id === session.platformId);
}

/**
 * The behaviours every two-way platform must have, in order (the last one reads the log all the
 * others produced). Markers in the commands keep the scenarios apart in the shared channels.
 */
export const scenarios: Scenario[] = [
  {
    name: 'connects and reports its status as connected',
    async run(_driver, session) {
      const status = await waitFor(
        async () => {
          const platform = await platformStatus(session);
          return platform?.state === 'connected' ? platform : undefined;
        },
        patience,
        `${session.platformId} connected in /status`,
      );
      expect(status.state).toBe('connected');
    },
  },
  {
    name: 'answers a command in a bound channel',
    async run(driver) {
      await driver.send('ops', 'echo conformance-hello');
      const reply = await replyWhere(driver, 'ops', (r) => r.text.includes('conformance-hello'), 'the echo');
      expect(reply.text).toContain('conformance-hello');
    },
  },
  {
    name: 'refuses an executor that is not bound to the channel',
    async run(driver) {
      await driver.send('quiet', 'echo refused-here');
      const reply = await replyWhere(
        driver,
        'quiet',
        (r) => r.text.includes('not enabled in this channel'),
        'the refusal',
      );
      expect(reply.text).not.toContain('refused-here\\n');
    },
  },
  {
    name: 'stays silent in a channel it is not configured for',
    async run(driver) {
      await driver.send('elsewhere', 'echo unheard-marker');
      // The answer to a later command proves the first one had its chance to be answered.
      await driver.send('ops', 'echo heard-marker');
      await replyWhere(driver, 'ops', (r) => r.text.includes('heard-marker'), 'the later answer');
      expect(await driver.replies('elsewhere')).toEqual([]);
      const ops = await driver.replies('ops');
      expect(ops.filter((r) => r.text.includes('unheard-marker'))).toEqual([]);
    },
  },
  {
    name: 'sends long output as a file, with its end in the channel',
    async run(driver) {
      const seen = await idsIn(driver, 'ops');
      await driver.send('ops', 'exec lines 12000');
      const withFile = await replyWhere(
        driver,
        'ops',
        (r) => r.files.length > 0,
        'a reply with a file',
        seen,
      );
      const content = await withFile.files[0]?.read();
      const lines = (content ?? '').split('\n').filter((l) => l.startsWith('line '));
      expect(lines).toHaveLength(12000);
      expect(lines.at(-1)).toBe('line 12000');
      await replyWhere(driver, 'ops', (r) => r.text.includes('line 12000'), 'the end of the output', seen);
    },
  },
  {
    name: 'edits one message while output streams, until the final output',
    async run(driver, session) {
      const seen = await idsIn(driver, 'ops');
      await driver.send('ops', 'fixture stream 8 400');
      const done = await replyWhere(
        driver,
        'ops',
        (r) => r.text.includes('line 8'),
        'the final output',
        seen,
      );
      // Earlier versions of the same message showed the output so far.
      expect(done.versions.some((v) => v.includes('line 1') && !v.includes('line 8'))).toBe(true);
      const fresh = (await driver.replies('ops')).filter((r) => !seen.has(r.id));
      expect(fresh.filter((r) => r.text.includes('line 1'))).toHaveLength(1);
      // A snapshot can show the last line before the command has ended; a command still running
      // counts against the channel's limit of two and could get a later scenario's refused.
      await waitFor(
        () => session.logLines.some((l) => l.audit === true && l.command === 'fixture stream 8 400'),
        patience,
        'the streaming command to end',
      );
    },
  },
  {
    name: 'runs a clicked button command as the user who clicked',
    async run(driver) {
      await driver.send('ops', 'echo click-marker', 'ada');
      const first = await replyWhere(driver, 'ops', (r) => r.text.includes('click-marker'), 'the echo');
      const seen = await idsIn(driver, 'ops');
      await driver.interact('ops', first.id, { button: 'Echo again' }, 'bob');
      const again = await replyWhere(
        driver,
        'ops',
        (r) => r.text.includes('click-marker') && r.text.includes(driver.credit('bob')),
        'the answer to the click, credited to bob',
        seen,
      );
      expect(again.text).not.toContain(driver.credit('ada'));
    },
  },
  {
    name: 'runs a selected option command as the user who selected it',
    async run(driver) {
      // Typed, a form has no dialog to open: it is posted in the channel, selects and all.
      let seen = await idsIn(driver, 'ops');
      await driver.send('ops', 'fixture form', 'ada');
      const form = await replyWhere(
        driver,
        'ops',
        (r) => r.text.includes('Choose what to echo'),
        'the form',
        seen,
      );
      seen = await idsIn(driver, 'ops');
      await driver.interact('ops', form.id, { select: 'Word', value: 'beta' }, 'bob');
      const answer = await replyWhere(
        driver,
        'ops',
        (r) => r.text.includes('fixture echo beta') && r.text.includes(driver.credit('bob')),
        'the answer to the selection, credited to bob',
        seen,
      );
      expect(answer.text).not.toContain(driver.credit('ada'));
    },
  },
  {
    name: 'honours a rate-limit answer, losing and duplicating nothing',
    requires: 'rate-limit',
    async run(driver) {
      const throttle = driver.throttle?.();
      if (!throttle) throw new Error(`${driver.name} declares rate-limit but has no throttle()`);
      // Two, not more: a channel runs at most two commands at once, and an answer held back by
      // the rate limit still counts as running, so a third would be refused (by design).
      const markers = ['rl-alpha', 'rl-bravo'];
      const sentAt = Date.now();
      await driver.send('ops', 'echo rl-alpha');
      // The second is sent once the first is held by the rate limit, so it queues behind it;
      // sent at once, it could meet the previous scenario's command still being counted as
      // running on a loaded machine and be refused as a third.
      await waitFor(() => throttle.given() >= 1, 45_000, 'the rate-limit answer to the first post');
      await driver.send('ops', 'echo rl-bravo');
      for (const m of markers) await replyWhere(driver, 'ops', (r) => r.text.includes(m), `the answer ${m}`);
      const answeredAfter = Date.now() - sentAt;
      // Anything posted twice would be posted before this later answer.
      await driver.send('ops', 'echo rl-after');
      await replyWhere(driver, 'ops', (r) => r.text.includes('rl-after'), 'the later answer');
      const ops = await driver.replies('ops');
      for (const m of markers)
        expect(
          ops.filter((r) => r.text.includes(m)),
          m,
        ).toHaveLength(1);
      expect(throttle.given()).toBeGreaterThanOrEqual(1);
      // The rate-limited answer waited out the retry-after instead of being retried at once.
      expect(answeredAfter).toBeGreaterThanOrEqual(throttle.retryAfterMs);
    },
  },
  {
    name: 'reconnects after the server drops the connection and answers a command sent in the gap',
    async run(driver, session) {
      await driver.dropConnection();
      await driver.send('ops', 'echo in-the-gap');
      await replyWhere(driver, 'ops', (r) => r.text.includes('in-the-gap'), 'the answer after the reconnect');
      const status = await platformStatus(session);
      expect(status?.state).toBe('connected');
    },
  },
  {
    name: 'never writes a credential to its log',
    async run(_driver, session) {
      expect(session.logLines.length).toBeGreaterThan(0);
      const log = session.logLines.map((l) => JSON.stringify(l)).join('\n');
      for (const secret of session.secrets) {
        expect(secret.length).toBeGreaterThan(8);
        expect(log.includes(secret), 'a credential appears in the agent log').toBe(false);
      }
    },
  },
];

/**
 * Runs the scenario table against one platform: one agent and emulator for the file, the
 * scenarios in order. A scenario whose capability the platform lacks (the console has no rate
 * limits) is not run, and the suite's title names it, so the table stays explicit.
 */
export function describeConformance(driver: PlatformDriver): void {
  const applies = (scenario: Scenario) =>
    scenario.requires === undefined || driver.capabilities.includes(scenario.requires);
  const notApplicable = scenarios.filter((scenario) => !applies(scenario)).map((s) => s.name);
  const title = `bot conformance: ${driver.name}${
    notApplicable.length > 0 ? ` (not applicable: ${notApplicable.join('; ')})` : ''
  }`;
  describe(title, () => {
    let session: DriverSession;
    beforeAll(async () => {
      session = await driver.start();
    }, 180_000);
    afterAll(() => driver.stop(), 60_000);

    for (const scenario of scenarios.filter(applies)) {
      it(scenario.name, () => scenario.run(driver, session), 120_000);
    }
  });
}

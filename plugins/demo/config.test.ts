import { describe, expect, it } from 'vitest';
import { readDemoConfig, scenarioNames } from './config.js';
import { demoEvent } from './scenarios.js';

describe('demo config', () => {
  it('defaults to every scenario every 5 s, forever', () => {
    expect(readDemoConfig(undefined)).toEqual({ intervalMs: 5000, scenarios: [...scenarioNames], count: 0 });
    expect(readDemoConfig({ interval: '2m', scenarios: ['alert-firing'], count: 3 })).toEqual({
      intervalMs: 120_000,
      scenarios: ['alert-firing'],
      count: 3,
    });
  });

  it('names the key and what was expected', () => {
    expect(() => readDemoConfig({ interval: 'soon' })).toThrow(/\/interval must match pattern/);
    expect(() => readDemoConfig({ interval: '500ms' })).toThrow(/"500ms" is shorter than the 1s minimum/);
    expect(() => readDemoConfig({ scenarios: ['meteor'] })).toThrow(/\/scenarios\/0 must be equal to one of/);
    expect(() => readDemoConfig({ colour: 'red' })).toThrow(/must NOT have additional properties/);
  });
});

describe('demo events', () => {
  it('carry a header, fields, context and a raw object naming the scenario', () => {
    for (const scenario of scenarioNames) {
      const event = demoEvent(scenario, 7, new Date('2026-01-02T03:04:05Z'));
      const section = event.message.sections?.[0];
      expect(section?.header).toBeTruthy();
      expect(section?.textFields?.length).toBeGreaterThan(0);
      expect(section?.context?.[0]?.text).toContain('Demo event #7');
      expect(event.rawObject).toMatchObject({ demo: { scenario, sequence: 7 } });
      for (const button of section?.buttons ?? []) expect(button.command).toMatch(/^\{\{BotName\}\} exec /);
    }
  });
});

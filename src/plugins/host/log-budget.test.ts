import { describe, expect, it } from 'vitest';
import { LogBudget } from './log-budget.js';

describe('plugin log budget', () => {
  it('admits a burst of two seconds of lines, then the line rate, and counts the rest', () => {
    let now = 0;
    const budget = new LogBudget({ linesPerSecond: 10, bytesPerSecond: 1_000_000 }, () => now);
    const admitted = Array.from({ length: 50 }, () => budget.admit(10)).filter(Boolean).length;
    expect(admitted).toBe(20);
    expect(budget.takeDropped()).toEqual({ lines: 30, bytes: 300 });
    expect(budget.takeDropped()).toEqual({ lines: 0, bytes: 0 });

    now += 1000;
    const next = Array.from({ length: 50 }, () => budget.admit(10)).filter(Boolean).length;
    expect(next).toBe(10);
  });

  it('limits bytes too, letting one line longer than the burst through and then waiting for the debt', () => {
    let now = 0;
    const budget = new LogBudget({ linesPerSecond: 1000, bytesPerSecond: 100 }, () => now);
    expect(budget.admit(500)).toBe(true);
    expect(budget.admit(1)).toBe(false);
    now += 2000; // 200 bytes of credit: still 100 in debt
    expect(budget.admit(1)).toBe(false);
    now += 1500;
    expect(budget.admit(1)).toBe(true);
    expect(budget.takeDropped()).toEqual({ lines: 2, bytes: 2 });
  });
});

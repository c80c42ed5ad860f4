import { describe, expect, it } from 'vitest';
import { dateMs, reviveDates } from './ejson.js';

describe('EJSON dates', () => {
  it('turns nested $date objects into Dates and leaves other objects alone', () => {
    const revived = reviveDates({ ts: { $date: 1000 }, u: { _id: 'a' }, list: [{ $date: 2000 }] }) as {
      ts: Date;
      u: { _id: string };
      list: Date[];
    };
    expect(revived.ts).toEqual(new Date(1000));
    expect(revived.list[0]).toEqual(new Date(2000));
    expect(revived.u).toEqual({ _id: 'a' });
    // An object with more keys than $date is not a date.
    expect(reviveDates({ $date: 1, other: 2 })).toEqual({ $date: 1, other: 2 });
  });

  it('reads dates in every form the APIs write them', () => {
    expect(dateMs({ $date: 5 })).toBe(5);
    expect(dateMs(new Date(6))).toBe(6);
    expect(dateMs('1970-01-01T00:00:00.007Z')).toBe(7);
    expect(dateMs('not a date')).toBeUndefined();
    expect(dateMs(undefined)).toBeUndefined();
  });
});

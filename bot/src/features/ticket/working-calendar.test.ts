import { describe, expect, it } from '@jest/globals';
import { addWorkingMinutes, workingMinutesBetween, type WorkingCalendar } from './working-calendar';

const desk: WorkingCalendar = { timeZone: 'Asia/Shanghai', start: '08:00', end: '18:00' };
/** A local Beijing time as an instant. */
const bj = (local: string) => new Date(`${local}+08:00`);

describe('working calendar (chinese-days)', () => {
  it('skips a weekend', () => {
    // Friday 27 Nov 2026, 17:30 + 60 min → 30 min on Friday, 30 min on Monday 30 Nov.
    expect(addWorkingMinutes(bj('2026-11-27T17:30'), 60, desk)).toEqual(bj('2026-11-30T08:30'));
    expect(workingMinutesBetween(bj('2026-11-27T17:30'), bj('2026-11-30T08:30'), desk)).toBe(60);
  });

  it('skips the National Day holiday (1–7 Oct 2026)', () => {
    expect(addWorkingMinutes(bj('2026-09-30T17:00'), 120, desk)).toEqual(bj('2026-10-08T09:00'));
    expect(workingMinutesBetween(bj('2026-09-30T17:00'), bj('2026-10-08T09:00'), desk)).toBe(120);
  });

  it('counts a make-up working day (Saturday 10 Oct 2026, 调休)', () => {
    expect(addWorkingMinutes(bj('2026-10-09T17:00'), 120, desk)).toEqual(bj('2026-10-10T09:00'));
    // …while an ordinary Saturday does not count.
    expect(addWorkingMinutes(bj('2026-10-16T17:00'), 120, desk)).toEqual(bj('2026-10-19T09:00'));
  });

  it('starts the clock at opening time and answers 0 minutes with the first working instant', () => {
    expect(addWorkingMinutes(bj('2026-11-30T07:00'), 0, desk)).toEqual(bj('2026-11-30T08:00'));
    expect(addWorkingMinutes(bj('2026-11-30T10:00'), 0, desk)).toEqual(bj('2026-11-30T10:00'));
    expect(addWorkingMinutes(bj('2026-11-28T12:00'), 30, desk)).toEqual(bj('2026-11-30T08:30'));
    expect(workingMinutesBetween(bj('2026-11-30T10:00'), bj('2026-11-30T09:00'), desk)).toBe(0);
  });

  it('spans several working days exactly', () => {
    // 25 working hours from Monday 09:00: Mon 9h, Tue 10h, Wed 6h → Wednesday 14:00.
    expect(addWorkingMinutes(bj('2026-11-23T09:00'), 25 * 60, desk)).toEqual(bj('2026-11-25T14:00'));
  });
});

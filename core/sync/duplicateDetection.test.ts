import { expect } from 'chai';
import type { RecordSummary } from '../providers/dataProvider.js';
import {
  compatibleWorkoutTypes,
  findMatch,
  localDateOf,
  matchAll,
  matchQuality,
  sameRecord,
  zoneOffsetMs,
} from './duplicateDetection.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function at(iso: string, plusMs = 0): string {
  return new Date(Date.parse(iso) + plusMs).toISOString();
}

function workout(
  recordId: string,
  startTime: string,
  minutes: number,
  extra: Partial<RecordSummary> = {},
): RecordSummary {
  return {
    dataType: 'workout',
    recordId,
    startTime,
    endTime: at(startTime, minutes * MIN),
    workoutType: 'running',
    durationSeconds: minutes * 60,
    distanceMeters: null,
    timezone: null,
    lastModified: '2024-05-01T12:00:00.000Z',
    ...extra,
  };
}

function sleep(
  recordId: string,
  startTime: string,
  endTime: string,
  extra: Partial<RecordSummary> = {},
): RecordSummary {
  return {
    dataType: 'sleep_session',
    recordId,
    startTime,
    endTime,
    timezone: null,
    lastModified: '2024-05-01T12:00:00.000Z',
    ...extra,
  };
}

function steps(
  recordId: string,
  date: string,
  startTime: string,
  timezone: string | null,
  value = 8000,
): RecordSummary {
  return {
    dataType: 'steps',
    recordId,
    startTime,
    endTime: null,
    date,
    value,
    timezone,
    lastModified: '2024-05-01T12:00:00.000Z',
  };
}

function weight(
  recordId: string,
  startTime: string,
  value = 72.4,
  extra: Partial<RecordSummary> = {},
): RecordSummary {
  return {
    dataType: 'weight',
    recordId,
    startTime,
    endTime: null,
    value,
    timezone: null,
    lastModified: '2024-05-01T12:00:00.000Z',
    ...extra,
  };
}

const RUN_START = '2024-05-01T06:30:00.000Z';
const garminRun = workout('garmin-1', RUN_START, 45, { distanceMeters: 8000, timezone: 'Europe/Berlin' });

describe('duplicate detection', () => {
  describe('workouts', () => {
    const cases: [string, RecordSummary, RecordSummary, boolean][] = [
      ['Strava copy 40 s later', garminRun, workout('strava-1', at(RUN_START, 40_000), 44), true],
      ['Strava copy 40 s earlier', garminRun, workout('strava-1', at(RUN_START, -40_000), 45), true],
      ['starts 2 min 59 s apart', garminRun, workout('s', at(RUN_START, 179_000), 45), true],
      [
        'starts 4 min apart (beyond the 3-minute leeway)',
        garminRun,
        workout('s', at(RUN_START, 4 * MIN), 45),
        false,
      ],
      [
        'copy shifted exactly +1 h (local time uploaded as UTC)',
        garminRun,
        workout('s', at(RUN_START, HOUR), 45),
        true,
      ],
      ['copy shifted exactly -2 h', garminRun, workout('s', at(RUN_START, -2 * HOUR), 45), true],
      ['copy shifted +1 h 40 s', garminRun, workout('s', at(RUN_START, HOUR + 40_000), 45), true],
      [
        '+1 h 5 min is not a time-zone shift',
        garminRun,
        workout('s', at(RUN_START, HOUR + 5 * MIN), 45),
        false,
      ],
      ['copy shifted -14 h (UTC+14)', garminRun, workout('s', at(RUN_START, -14 * HOUR), 45), true],
      ['15 h apart is no time zone', garminRun, workout('s', at(RUN_START, 15 * HOUR), 45), false],
      ['shifted +1 h but 60 vs 45 minutes long', garminRun, workout('s', at(RUN_START, HOUR), 60), false],
      [
        'shifted +1 h but 8 km vs 12 km',
        garminRun,
        workout('s', at(RUN_START, HOUR), 45, { distanceMeters: 12000 }),
        false,
      ],
      [
        '+2 h 30 min explained by neither zone',
        garminRun,
        workout('s', at(RUN_START, 2.5 * HOUR), 45, { timezone: null }),
        false,
      ],
      [
        '+5 h 30 min explained by the Asia/Kolkata zone',
        workout('a', RUN_START, 45, { timezone: 'Asia/Kolkata' }),
        workout('b', at(RUN_START, 5.5 * HOUR), 45),
        true,
      ],
      [
        '+5 h 30 min without any zone',
        workout('a', RUN_START, 45),
        workout('b', at(RUN_START, 5.5 * HOUR), 45),
        false,
      ],
      [
        '20-minute walk and 60-minute run at the same time',
        workout('a', RUN_START, 20, { workoutType: 'walking' }),
        workout('b', RUN_START, 60),
        false,
      ],
      [
        'run and walk of equal length at the same time',
        workout('a', RUN_START, 45, { workoutType: 'walking' }),
        workout('b', RUN_START, 45),
        false,
      ],
      [
        'walking and hiking are variants',
        workout('a', RUN_START, 90, { workoutType: 'walking' }),
        workout('b', at(RUN_START, 30_000), 88, { workoutType: 'hiking' }),
        true,
      ],
      [
        '`other` matches any type',
        workout('a', RUN_START, 40, { workoutType: 'other' }),
        workout('b', RUN_START, 40, { workoutType: 'swimming' }),
        true,
      ],
      [
        'cycling vs running',
        workout('a', RUN_START, 45, { workoutType: 'cycling' }),
        workout('b', RUN_START, 45),
        false,
      ],
      [
        'durations 30 vs 70 minutes (ratio > 2)',
        workout('a', RUN_START, 30),
        workout('b', RUN_START, 70),
        false,
      ],
      [
        'moving 40 vs elapsed 55 minutes (ratio < 2)',
        workout('a', RUN_START, 40),
        workout('b', RUN_START, 55),
        true,
      ],
      [
        'unknown durations fall back to start times',
        workout('a', RUN_START, 40, { durationSeconds: undefined, endTime: null }),
        workout('b', RUN_START, 70),
        true,
      ],
      ['a weight is never a workout', garminRun, weight('w', RUN_START), false],
      [
        'DST fall-back: 01:30 EDT and a copy 30 s later compare as instants',
        workout('a', '2024-11-03T05:30:00.000Z', 30, { timezone: 'America/New_York' }),
        workout('b', '2024-11-03T05:30:30.000Z', 30, { timezone: 'America/New_York' }),
        true,
      ],
    ];
    for (const [name, a, b, expected] of cases) {
      it(`${expected ? 'same' : 'different'}: ${name}`, () => {
        expect(sameRecord(a, b)).to.equal(expected);
        expect(sameRecord(b, a)).to.equal(expected, 'symmetric');
      });
    }

    it('classifies exact and hour-shifted matches', () => {
      expect(matchQuality(garminRun, workout('s', at(RUN_START, 40_000), 45))).to.deep.equal({
        kind: 'exact',
        offsetMs: 0,
        score: 40_000,
      });
      expect(matchQuality(garminRun, workout('s', at(RUN_START, HOUR + 2_000), 45))).to.deep.equal({
        kind: 'shifted',
        offsetMs: HOUR,
        score: 2_000,
      });
    });

    it('type compatibility table', () => {
      const table: [
        Parameters<typeof compatibleWorkoutTypes>[0],
        Parameters<typeof compatibleWorkoutTypes>[1],
        boolean,
      ][] = [
        ['running', 'running', true],
        ['walking', 'hiking', true],
        ['hiking', 'walking', true],
        ['running', 'walking', false],
        ['running', 'hiking', false],
        ['other', 'yoga', true],
        ['rowing', 'other', true],
        ['cycling', 'cycling', true],
        ['cycling', 'elliptical', false],
        ['strength_training', 'yoga', false],
        [undefined, 'running', true],
      ];
      for (const [a, b, expected] of table)
        expect(compatibleWorkoutTypes(a, b), `${a}~${b}`).to.equal(expected);
    });
  });

  describe('best match', () => {
    // Two different runs an hour apart, both already at the destination.
    const runA = workout('src-a', '2024-05-01T06:00:00.000Z', 40);
    const runB = workout('src-b', '2024-05-01T07:00:00.000Z', 41);
    const copyA = workout('dst-a', '2024-05-01T06:00:25.000Z', 40);
    const copyB = workout('dst-b', '2024-05-01T07:00:10.000Z', 41);

    it('prefers the exact candidate over an hour-shifted one, in any order', () => {
      for (const candidates of [
        [copyA, copyB],
        [copyB, copyA],
      ]) {
        const used = new Set<string>();
        expect(findMatch(runB, candidates, used)?.candidate.recordId).to.equal('dst-b');
        expect(findMatch(runA, candidates, used)?.candidate.recordId).to.equal('dst-a');
        expect([...used].sort()).to.deep.equal(['dst-a', 'dst-b']);
      }
    });

    it('prefers the smallest time difference among exact candidates', () => {
      const near = workout('near', '2024-05-01T06:00:05.000Z', 40);
      const far = workout('far', '2024-05-01T06:02:00.000Z', 40);
      expect(findMatch(runA, [far, near], new Set())?.candidate.recordId).to.equal('near');
      expect(findMatch(runA, [near, far], new Set())?.candidate.recordId).to.equal('near');
    });

    it('never returns a used candidate', () => {
      expect(findMatch(runA, [copyA], new Set(['dst-a']))).to.equal(undefined);
    });

    it('matchAll keeps two runs an hour apart apart', () => {
      for (const sources of [
        [runA, runB],
        [runB, runA],
      ]) {
        const matches = matchAll(sources, [copyB, copyA]);
        expect(matches.get('src-a')?.candidate.recordId).to.equal('dst-a');
        expect(matches.get('src-b')?.candidate.recordId).to.equal('dst-b');
        expect(matches.get('src-a')?.quality.kind).to.equal('exact');
      }
    });

    it('matchAll does not let an hour-shifted match steal another source’s exact copy', () => {
      // Only run B is at the destination. Greedy source-by-source matching would give it to run A
      // (an exact hour apart); the global assignment gives it to run B and leaves run A unmatched.
      const greedy = new Set<string>();
      expect(findMatch(runA, [copyB], greedy)?.quality.kind).to.equal('shifted');
      for (const sources of [
        [runA, runB],
        [runB, runA],
      ]) {
        const matches = matchAll(sources, [copyB]);
        expect(matches.get('src-b')?.candidate.recordId).to.equal('dst-b');
        expect(matches.has('src-a')).to.equal(false);
      }
    });

    it('DST fall-back: two runs at 01:30 EDT and 01:30 EST each match their own copy', () => {
      const tz = { timezone: 'America/New_York' };
      const edt = workout('edt', '2024-11-03T05:30:00.000Z', 30, tz); // 01:30 EDT
      const est = workout('est', '2024-11-03T06:30:00.000Z', 30, tz); // 01:30 EST, one hour later
      const edtCopy = workout('edt-copy', '2024-11-03T05:30:12.000Z', 30);
      const estCopy = workout('est-copy', '2024-11-03T06:30:08.000Z', 30);
      const matches = matchAll([est, edt], [edtCopy, estCopy]);
      expect(matches.get('edt')?.candidate.recordId).to.equal('edt-copy');
      expect(matches.get('est')?.candidate.recordId).to.equal('est-copy');
      // A copy whose 01:30 was resolved to the other offset is still recognised (hour-shifted).
      expect(matchQuality(edt, estCopy)?.kind).to.equal('shifted');
    });
  });

  describe('sleep sessions', () => {
    const night = sleep('n', '2024-05-01T22:00:00.000Z', '2024-05-02T06:00:00.000Z');
    const cases: [string, RecordSummary, boolean][] = [
      ['identical interval', sleep('x', night.startTime, night.endTime ?? ''), true],
      [
        'overlaps 75% (tracker started later)',
        sleep('x', '2024-05-02T00:00:00.000Z', '2024-05-02T06:30:00.000Z'),
        true,
      ],
      [
        'overlaps exactly 50% of the shorter',
        sleep('x', '2024-05-02T02:00:00.000Z', '2024-05-02T11:00:00.000Z'),
        true,
      ],
      ['overlaps 2 h of 7 h', sleep('x', '2024-05-02T04:00:00.000Z', '2024-05-02T11:00:00.000Z'), false],
      ['nap the next afternoon', sleep('x', '2024-05-02T13:00:00.000Z', '2024-05-02T14:00:00.000Z'), false],
      ['whole copy shifted +5 h', sleep('x', '2024-05-02T03:00:00.000Z', '2024-05-02T11:00:00.000Z'), true],
      [
        'only the start shifted +5 h',
        sleep('x', '2024-05-02T03:00:00.000Z', '2024-05-02T13:00:00.000Z'),
        false,
      ],
    ];
    for (const [name, other, expected] of cases) {
      it(`${expected ? 'same' : 'different'}: ${name}`, () => {
        expect(sameRecord(night, other)).to.equal(expected);
        expect(sameRecord(other, night)).to.equal(expected);
      });
    }
  });

  describe('steps', () => {
    it('same local date in different time zones is the same day', () => {
      const ny = steps('a', '2024-03-10', '2024-03-10T05:00:00.000Z', 'America/New_York');
      const utc = steps('b', '2024-03-10', '2024-03-10T00:00:00.000Z', null, 8012);
      const tokyo = steps('c', '2024-03-10', '2024-03-09T15:00:00.000Z', 'Asia/Tokyo');
      expect(sameRecord(ny, utc)).to.equal(true);
      expect(sameRecord(ny, tokyo)).to.equal(true);
    });

    it('different dates differ even when the instants are close', () => {
      const a = steps('a', '2024-03-10', '2024-03-10T05:00:00.000Z', 'America/New_York');
      const b = steps('b', '2024-03-11', '2024-03-10T15:00:00.000Z', 'Asia/Tokyo');
      expect(sameRecord(a, b)).to.equal(false);
    });

    it('derives the local date from the start and zone when `date` is missing', () => {
      const noDate = { ...steps('a', 'x', '2024-03-10T05:00:00.000Z', 'America/New_York'), date: undefined };
      expect(localDateOf(noDate)).to.equal('2024-03-10');
      expect(localDateOf({ ...noDate, timezone: 'Asia/Tokyo' })).to.equal('2024-03-10');
      expect(localDateOf({ ...noDate, timezone: 'Pacific/Honolulu' })).to.equal('2024-03-09');
      expect(localDateOf({ ...noDate, timezone: null })).to.equal('2024-03-10');
    });

    it('prefers the candidate with the closest count on the same day', () => {
      const src = steps('a', '2024-03-10', '2024-03-10T05:00:00.000Z', null, 9000);
      const far = steps('far', '2024-03-10', '2024-03-10T05:00:00.000Z', null, 3000);
      const near = steps('near', '2024-03-10', '2024-03-10T05:00:00.000Z', null, 8990);
      expect(findMatch(src, [far, near], new Set())?.candidate.recordId).to.equal('near');
    });
  });

  describe('weight', () => {
    const w = weight('w', '2024-05-01T06:10:00.000Z');
    const cases: [string, RecordSummary, boolean][] = [
      ['2 minutes apart', weight('x', '2024-05-01T06:12:00.000Z'), true],
      ['10 minutes apart', weight('x', '2024-05-01T06:20:00.000Z'), true],
      ['11 minutes apart', weight('x', '2024-05-01T06:21:00.000Z'), false],
      ['one day apart, same value', weight('x', '2024-05-02T06:10:00.000Z'), false],
      ['exactly +1 h, same value (time-zone bug)', weight('x', '2024-05-01T07:10:00.000Z'), true],
      ['exactly +1 h, 1 kg heavier', weight('x', '2024-05-01T07:10:00.000Z', 73.4), false],
    ];
    for (const [name, other, expected] of cases) {
      it(`${expected ? 'same' : 'different'}: ${name}`, () => {
        expect(sameRecord(w, other)).to.equal(expected);
        expect(sameRecord(other, w)).to.equal(expected);
      });
    }
  });

  describe('zone offsets', () => {
    it('reads IANA offsets, including half hours and DST', () => {
      expect(zoneOffsetMs('Asia/Kolkata', Date.parse('2024-05-01T00:00:00Z'))).to.equal(5.5 * HOUR);
      expect(zoneOffsetMs('America/New_York', Date.parse('2024-11-03T05:30:00Z'))).to.equal(-4 * HOUR);
      expect(zoneOffsetMs('America/New_York', Date.parse('2024-11-03T06:30:00Z'))).to.equal(-5 * HOUR);
      expect(zoneOffsetMs('UTC', Date.parse('2024-11-03T06:30:00Z'))).to.equal(0);
      expect(zoneOffsetMs('Not/AZone', Date.parse('2024-11-03T06:30:00Z'))).to.equal(undefined);
    });
  });
});

// A sandbox user's real life, from which each provider fake derives what IT recorded. One source of
// truth is what makes the overlaps realistic: a run recorded by a Garmin watch shows up on Garmin
// and (auto-uploaded) on Strava; a night's sleep on Fitbit, Garmin and Google Fit with different
// ids and slightly different numbers; travel to Berlin moves the local times; the most recent
// autumn DST change in New York puts a run in the repeated hour. Deterministic for a name and a
// `now`, so tests can compute what a sync must write.
import { createHash } from 'node:crypto';
import type { CloudProvider, WorkoutType } from '../../../core/domain/types.js';
import { lastDstChange, localDate, zonedToUtc } from './time.js';
import { clock } from '../../../core/clock/clock.js';

export interface PersonaWorkout {
  /** Stable id of the real-world event (not a provider id). */
  key: string;
  workoutType: WorkoutType;
  /** ISO instant (UTC). */
  start: string;
  timezone: string;
  elapsedSeconds: number;
  movingSeconds: number;
  distanceMeters: number | null;
  calories: number;
  averageHeartRate: number;
  maxHeartRate: number;
  elevationGainMeters: number | null;
  title: string;
  device: string;
  recordedBy: CloudProvider[];
  /**
   * Providers whose copy carries a whole-hour time-zone error (a device that uploaded local time as
   * UTC, the classic tapiriik case): their start is shifted by `tzBugHours`.
   */
  tzBug?: { providers: CloudProvider[]; hours: number };
}

export interface PersonaSleep {
  key: string;
  start: string;
  end: string;
  timezone: string;
  asleepSeconds: number;
  efficiency: number;
  stages: { awakeSeconds: number; lightSeconds: number; deepSeconds: number; remSeconds: number };
  recordedBy: CloudProvider[];
}

export interface PersonaSteps {
  date: string;
  timezone: string;
  /** Steps as each provider counted them (devices disagree a little). */
  byProvider: Partial<Record<CloudProvider, number>>;
}

export interface PersonaWeight {
  key: string;
  measuredAt: string;
  timezone: string;
  weightKg: number;
  bodyFatPercentage: number | null;
  recordedBy: CloudProvider[];
}

export interface Persona {
  name: string;
  homeTimezone: string;
  workouts: PersonaWorkout[];
  sleeps: PersonaSleep[];
  steps: PersonaSteps[];
  weights: PersonaWeight[];
}

export interface PersonaOptions {
  now?: Date;
  /** Days of history before `now` (default 21). */
  days?: number;
  /** A user with accounts but no data at all (empty syncs, write-avoidance). */
  empty?: boolean;
}

const HOME = 'America/New_York';
const TRAVEL = 'Europe/Berlin';

/** Small deterministic PRNG (mulberry32) seeded from the persona name. */
function rng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

export function buildPersona(name: string, options: PersonaOptions = {}): Persona {
  const now = options.now ?? clock.date();
  const persona: Persona = { name, homeTimezone: HOME, workouts: [], sleeps: [], steps: [], weights: [] };
  if (options.empty) return persona;
  const days = options.days ?? 21;
  const random = rng(name);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();

  for (let d = days; d >= 1; d -= 1) {
    const dayInstant = new Date(now.getTime() - d * 86_400_000);
    // Days 8–10 before now are spent in Berlin.
    const timezone = d >= 8 && d <= 10 ? TRAVEL : HOME;
    const date = localDate(timezone, dayInstant);
    const at = (hh: number, mm: number) =>
      zonedToUtc(timezone, `${date}T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:00`);

    if (d % 2 === 0) {
      // Morning run on the Garmin watch; most auto-upload to Strava, some copies carry a tz bug.
      const km = round(between(5, 12), 2);
      const moving = Math.round(km * between(300, 360));
      persona.workouts.push({
        key: `${name}-run-${date}`,
        workoutType: 'running',
        start: at(6 + Math.floor(between(0, 2)), Math.floor(between(0, 4)) * 15).toISOString(),
        timezone,
        elapsedSeconds: moving + Math.round(between(30, 240)),
        movingSeconds: moving,
        distanceMeters: round(km * 1000, 1),
        calories: Math.round(km * 68),
        averageHeartRate: Math.round(between(140, 160)),
        maxHeartRate: Math.round(between(170, 186)),
        elevationGainMeters: round(between(10, 90), 1),
        title: 'Morning Run',
        device: 'Garmin Forerunner 255',
        recordedBy: d % 6 === 0 ? ['garmin'] : ['garmin', 'strava'],
        ...(d % 8 === 0 ? { tzBug: { providers: ['strava'] as CloudProvider[], hours: 1 } } : {}),
      });
    }
    if (d % 3 === 0) {
      // Evening ride recorded by the Strava phone app only.
      const km = round(between(15, 40), 2);
      const moving = Math.round(km * between(120, 160));
      persona.workouts.push({
        key: `${name}-ride-${date}`,
        workoutType: 'cycling',
        start: at(18, 0).toISOString(),
        timezone,
        elapsedSeconds: moving + 300,
        movingSeconds: moving,
        distanceMeters: round(km * 1000, 1),
        calories: Math.round(km * 25),
        averageHeartRate: Math.round(between(125, 145)),
        maxHeartRate: Math.round(between(160, 175)),
        elevationGainMeters: round(between(50, 400), 1),
        title: 'Evening Ride',
        device: 'Strava iPhone App',
        recordedBy: ['strava'],
      });
    }
    if (d % 4 === 1) {
      // Gym session logged on the Fitbit tracker.
      const minutes = Math.round(between(40, 70));
      persona.workouts.push({
        key: `${name}-gym-${date}`,
        workoutType: 'strength_training',
        start: at(12, 15).toISOString(),
        timezone,
        elapsedSeconds: minutes * 60,
        movingSeconds: minutes * 60,
        distanceMeters: null,
        calories: Math.round(minutes * 6.5),
        averageHeartRate: Math.round(between(105, 125)),
        maxHeartRate: Math.round(between(145, 160)),
        elevationGainMeters: null,
        title: 'Weights',
        device: 'Fitbit Charge 6',
        recordedBy: ['fitbit'],
      });
    }
    if (d % 5 === 2) {
      // Lunch walk tracked by the phone (Google Fit).
      const km = round(between(2, 4), 2);
      const moving = Math.round(km * 720);
      persona.workouts.push({
        key: `${name}-walk-${date}`,
        workoutType: 'walking',
        start: at(13, 0).toISOString(),
        timezone,
        elapsedSeconds: moving,
        movingSeconds: moving,
        distanceMeters: round(km * 1000, 1),
        calories: Math.round(km * 50),
        averageHeartRate: Math.round(between(90, 105)),
        maxHeartRate: Math.round(between(110, 125)),
        elevationGainMeters: null,
        title: 'Lunch Walk',
        device: 'Pixel 8',
        recordedBy: ['google_fit'],
      });
    }

    // Every night: the watch, the tracker and (every other night) the phone all log the sleep.
    const bed = at(22, 30 + Math.floor(between(0, 4)) * 5);
    const inBed = Math.round(between(6.5, 8.5) * 3600);
    const awake = Math.round(between(900, 2700));
    const asleep = inBed - awake;
    const deep = Math.round(asleep * between(0.15, 0.22));
    const rem = Math.round(asleep * between(0.18, 0.25));
    persona.sleeps.push({
      key: `${name}-sleep-${date}`,
      start: bed.toISOString(),
      end: new Date(bed.getTime() + inBed * 1000).toISOString(),
      timezone,
      asleepSeconds: asleep,
      efficiency: Math.round((asleep / inBed) * 100),
      stages: { awakeSeconds: awake, lightSeconds: asleep - deep - rem, deepSeconds: deep, remSeconds: rem },
      recordedBy: d % 2 === 0 ? ['fitbit', 'garmin', 'google_fit'] : ['fitbit', 'garmin'],
    });

    const steps = Math.round(between(4000, 14000));
    persona.steps.push({
      date,
      timezone,
      byProvider: {
        fitbit: steps,
        garmin: steps + Math.round(between(-300, 300)),
        google_fit: steps + Math.round(between(-800, 200)),
      },
    });

    if (d % 3 === 1) {
      const measured = at(7, 5);
      persona.weights.push({
        key: `${name}-weight-${date}`,
        measuredAt: measured.toISOString(),
        timezone,
        weightKg: round(between(71, 74), 1),
        bodyFatPercentage: round(between(17, 19), 1),
        recordedBy: d % 2 === 0 ? ['fitbit', 'google_fit'] : ['fitbit'],
      });
    }
  }

  // The last DST change at home, within the history (+ 2 weeks): a run that starts 30 minutes
  // before the clocks move, so it sits in the repeated hour (autumn) or spans the gap (spring).
  const dstChange = lastDstChange(HOME, now);
  if (dstChange && dstChange.getTime() > now.getTime() - (days + 14) * 86_400_000) {
    const start = new Date(dstChange.getTime() - 30 * 60_000);
    persona.workouts.push({
      key: `${name}-dst-run`,
      workoutType: 'running',
      start: start.toISOString(),
      timezone: HOME,
      elapsedSeconds: 3000,
      movingSeconds: 2900,
      distanceMeters: 8000,
      calories: 540,
      averageHeartRate: 150,
      maxHeartRate: 176,
      elevationGainMeters: 22,
      title: 'Night Run',
      device: 'Garmin Forerunner 255',
      recordedBy: ['garmin'],
    });
  }

  persona.workouts.sort((a, b) => a.start.localeCompare(b.start));
  return persona;
}

/** The persona's records one provider recorded. */
export function recordedBy(persona: Persona, provider: CloudProvider) {
  return {
    workouts: persona.workouts.filter((w) => w.recordedBy.includes(provider)),
    sleeps: persona.sleeps.filter((s) => s.recordedBy.includes(provider)),
    steps: persona.steps.filter((s) => s.byProvider[provider] !== undefined),
    weights: persona.weights.filter((w) => w.recordedBy.includes(provider)),
  };
}

/** A workout's start as `provider` recorded it (applying the whole-hour tz bug where the persona has one). */
export function recordedStart(workout: PersonaWorkout, provider: CloudProvider): Date {
  const shift = workout.tzBug?.providers.includes(provider) ? workout.tzBug.hours * 3_600_000 : 0;
  return new Date(Date.parse(workout.start) + shift);
}

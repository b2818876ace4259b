import { expect } from 'chai';
import type { ConflictStrategy } from '../domain/types.js';
import type { RecordSummary } from '../providers/dataProvider.js';
import type { Decision, LedgerEntry, ResolutionInput } from './conflictResolution.js';
import { resolveConflicts, summarizeDecisions } from './conflictResolution.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2024-05-01T06:00:00.000Z');

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function run(
  recordId: string,
  startMs: number,
  minutes = 40,
  lastModified = '2024-05-01T12:00:00.000Z',
): RecordSummary {
  return {
    dataType: 'workout',
    recordId,
    startTime: iso(startMs),
    endTime: iso(startMs + minutes * MIN),
    workoutType: 'running',
    durationSeconds: minutes * 60,
    distanceMeters: null,
    timezone: null,
    lastModified,
  };
}

function input(overrides: Partial<ResolutionInput>): ResolutionInput {
  return {
    dataType: 'workout',
    strategy: 'source_wins',
    source: [],
    destination: [],
    ledger: new Map(),
    destinationCanUpdate: true,
    ...overrides,
  };
}

/** A compact, comparable view of a decision. */
function brief(d: Decision): string {
  const dest =
    d.action === 'create' || d.destinationRecordId === undefined ? '' : ` -> ${d.destinationRecordId}`;
  return `${d.source.recordId}: ${d.action === 'skip' ? `skip(${d.reason})` : d.action}${dest}`;
}

describe('conflict resolution', () => {
  describe('strategies on a matched record', () => {
    const OLDER = '2024-05-01T10:00:00.000Z';
    const NEWER = '2024-05-01T14:00:00.000Z';
    const SAME = '2024-05-01T12:00:00.000Z';
    const cases: [ConflictStrategy, boolean, string, string][] = [
      // strategy, destination can update, destination lastModified, expected
      ['source_wins', true, NEWER, 'update -> dst'],
      ['source_wins', false, OLDER, 'skip(update_unsupported) -> dst'],
      ['dest_wins', true, OLDER, 'skip(destination_wins) -> dst'],
      ['dest_wins', false, OLDER, 'skip(destination_wins) -> dst'],
      ['newest_wins', true, OLDER, 'update -> dst'],
      ['newest_wins', true, NEWER, 'skip(destination_newer) -> dst'],
      ['newest_wins', true, SAME, 'skip(destination_newer) -> dst'],
      ['newest_wins', false, OLDER, 'skip(update_unsupported) -> dst'],
      ['newest_wins', false, NEWER, 'skip(destination_newer) -> dst'],
    ];
    for (const [strategy, destinationCanUpdate, destModified, expected] of cases) {
      it(`${strategy}, update ${destinationCanUpdate ? 'supported' : 'unsupported'}, destination modified ${destModified} → ${expected}`, () => {
        const decisions = resolveConflicts(
          input({
            strategy,
            destinationCanUpdate,
            source: [run('src', T0, 40, SAME)],
            destination: [run('dst', T0 + 40_000, 40, destModified)],
          }),
        );
        expect(decisions.map(brief)).to.deep.equal([`src: ${expected}`]);
      });
    }

    it('compares lastModified as instants, not strings', () => {
      const decisions = resolveConflicts(
        input({
          strategy: 'newest_wins',
          source: [run('src', T0, 40, '2024-05-01T12:00:00.5Z')],
          destination: [run('dst', T0, 40, '2024-05-01T12:00:00.000Z')],
        }),
      );
      expect(decisions.map(brief)).to.deep.equal(['src: update -> dst']);
    });
  });

  it('creates a record with no match, and matches a Garmin run to its Strava copy (hour-shifted too)', () => {
    const decisions = resolveConflicts(
      input({
        strategy: 'dest_wins',
        source: [run('new', T0 - 5 * HOUR + 17 * MIN), run('garmin-1', T0), run('garmin-2', T0 + 26 * HOUR)],
        destination: [run('strava-1', T0 + 40_000), run('strava-2', T0 + 27 * HOUR)],
      }),
    );
    expect(decisions.map(brief)).to.deep.equal([
      'new: create',
      'garmin-1: skip(destination_wins) -> strava-1',
      'garmin-2: skip(destination_wins) -> strava-2',
    ]);
  });

  it('collapses source records with the same id to the newest version, at its first position', () => {
    const decisions = resolveConflicts(
      input({
        source: [
          run('a', T0, 40, '2024-05-01T10:00:00Z'),
          run('b', T0 + 3 * HOUR),
          run('a', T0, 40, '2024-05-01T11:00:00Z'),
        ],
        destination: [],
      }),
    );
    expect(decisions.map(brief)).to.deep.equal(['a: create', 'b: create']);
    expect(decisions[0]?.source.lastModified).to.equal('2024-05-01T11:00:00Z');
  });

  describe('a migrated configuration (adopted destination records)', () => {
    // Google Health shows the run Fitbit's pair wrote to Strava, under a new id.
    const source = [run('gh-1', T0, 40, '2024-05-02T09:00:00.000Z'), run('gh-2', T0 + 5 * HOUR)];
    const destination = [run('strava-1', T0 + 30_000, 41, '2024-05-01T12:30:00.000Z')];

    it('is already synced, whatever the strategy, and marked for the ledger', () => {
      for (const strategy of ['source_wins', 'newest_wins', 'dest_wins'] as const) {
        const decisions = resolveConflicts(
          input({ strategy, source, destination, adopted: new Set(['strava-1']) }),
        );
        expect(decisions.map(brief), strategy).to.deep.equal([
          'gh-1: skip(already_synced) -> strava-1',
          'gh-2: create',
        ]);
        expect(decisions[0]).to.include({ adopted: true });
      }
    });

    it('without the old pair’s ledger the same match is settled by the strategy (an update)', () => {
      const decisions = resolveConflicts(input({ strategy: 'source_wins', source, destination }));
      expect(decisions.map(brief)).to.deep.equal(['gh-1: update -> strava-1', 'gh-2: create']);
      expect(decisions[0]).to.not.have.property('adopted');
    });
  });

  describe('ledger', () => {
    const sources = [run('s1', T0), run('s2', T0 + 4 * HOUR + 7 * MIN), run('s3', T0 + 30 * HOUR)];

    /** Simulates the writes of a run: creates get new destination ids, the ledger records them. */
    function applyWrites(
      decisions: Decision[],
      ledger: Map<string, LedgerEntry>,
      destination: RecordSummary[],
    ): void {
      for (const d of decisions) {
        if (d.action === 'skip') continue;
        const destinationRecordId =
          d.action === 'create' ? `dst-${d.source.recordId}` : d.destinationRecordId;
        ledger.set(d.source.recordId, { destinationRecordId, sourceLastModified: d.source.lastModified });
        const written = {
          ...d.source,
          recordId: destinationRecordId,
          lastModified: '2024-05-02T00:00:00.000Z',
        };
        const at = destination.findIndex((x) => x.recordId === destinationRecordId);
        if (at >= 0) destination[at] = written;
        else destination.push(written);
      }
    }

    for (const strategy of ['source_wins', 'dest_wins', 'newest_wins'] as const) {
      it(`${strategy}: a second run with the first run's ledger writes nothing`, () => {
        const ledger = new Map<string, LedgerEntry>();
        const destination: RecordSummary[] = [];
        const first = resolveConflicts(input({ strategy, source: sources, destination, ledger }));
        expect(summarizeDecisions(first).create).to.equal(3);
        applyWrites(first, ledger, destination);

        for (const dest of [destination, undefined]) {
          const second = resolveConflicts(input({ strategy, source: sources, destination: dest, ledger }));
          expect(second.map(brief)).to.deep.equal([
            's1: skip(already_synced) -> dst-s1',
            's2: skip(already_synced) -> dst-s2',
            's3: skip(already_synced) -> dst-s3',
          ]);
        }
      });
    }

    it('a source record modified since our write is matched to its ledger record', () => {
      const ledger = new Map<string, LedgerEntry>([
        ['s1', { destinationRecordId: 'd1', sourceLastModified: '2024-05-01T12:00:00.000Z' }],
      ]);
      const edited = run('s1', T0 + 10 * MIN, 40, '2024-05-03T00:00:00.000Z'); // start time edited too
      const destination = [run('d1', T0, 40, '2024-05-02T00:00:00.000Z')];
      const expectations: [ConflictStrategy, RecordSummary[] | undefined, boolean, string][] = [
        ['source_wins', destination, true, 's1: update -> d1'],
        ['source_wins', destination, false, 's1: skip(update_unsupported) -> d1'],
        ['dest_wins', destination, true, 's1: skip(destination_wins) -> d1'],
        ['newest_wins', destination, true, 's1: update -> d1'],
        [
          'newest_wins',
          [run('d1', T0, 40, '2024-05-04T00:00:00.000Z')],
          true,
          's1: skip(destination_newer) -> d1',
        ],
        // Destination not read: it holds what we wrote from an older version of the source.
        ['newest_wins', undefined, true, 's1: update -> d1'],
      ];
      for (const [strategy, dest, destinationCanUpdate, expected] of expectations) {
        const decisions = resolveConflicts(
          input({ strategy, source: [edited], destination: dest, ledger, destinationCanUpdate }),
        );
        expect(decisions.map(brief), `${strategy} ${dest ? 'read' : 'skipped'}`).to.deep.equal([expected]);
      }
    });

    it('destination read skipped: the ledger alone decides, everything else is created', () => {
      const ledger = new Map<string, LedgerEntry>([
        ['s1', { destinationRecordId: 'd1', sourceLastModified: '2024-05-01T12:00:00.000Z' }],
      ]);
      const decisions = resolveConflicts(input({ source: sources, destination: undefined, ledger }));
      expect(decisions.map(brief)).to.deep.equal([
        's1: skip(already_synced) -> d1',
        's2: create',
        's3: create',
      ]);
    });

    it('a destination record we wrote for another source record is not a candidate', () => {
      // d-old was written for s-old (not in this run). s-new starts exactly 1 h later: an hour-shifted
      // match would update d-old; it must be created instead.
      const ledger = new Map<string, LedgerEntry>([
        ['s-old', { destinationRecordId: 'd-old', sourceLastModified: '2024-05-01T12:00:00.000Z' }],
      ]);
      const decisions = resolveConflicts(
        input({ source: [run('s-new', T0 + HOUR)], destination: [run('d-old', T0)], ledger }),
      );
      expect(decisions.map(brief)).to.deep.equal(['s-new: create']);
    });

    it('an exact copy of a record we wrote for another source record is not written again', () => {
      // The source holds two copies of one run (watch recording and an import); we wrote the first.
      const ledger = new Map<string, LedgerEntry>([
        ['watch', { destinationRecordId: 'd1', sourceLastModified: '2024-05-01T12:00:00.000Z' }],
      ]);
      for (const destination of [[run('d1', T0)], undefined]) {
        const decisions = resolveConflicts(
          input({ source: [run('watch', T0), run('import', T0 + 20_000)], destination, ledger }),
        );
        expect(decisions.map(brief)).to.deep.equal([
          'watch: skip(already_synced) -> d1',
          'import: skip(duplicate_at_destination) -> d1',
        ]);
      }
    });
  });

  describe('one destination record is never matched twice', () => {
    it('the closer source gets it; the other exact copy is a duplicate, not a second update', () => {
      const decisions = resolveConflicts(
        input({ source: [run('far', T0 + 2 * MIN), run('near', T0 + 10_000)], destination: [run('d', T0)] }),
      );
      expect(decisions.map(brief)).to.deep.equal([
        'far: skip(duplicate_at_destination) -> d',
        'near: update -> d',
      ]);
    });

    it('two runs an hour apart each keep their own copy; a lone hour-shifted neighbour is created', () => {
      const decisions = resolveConflicts(
        input({
          source: [run('a', T0), run('b', T0 + HOUR), run('c', T0 + 2 * HOUR)],
          destination: [run('da', T0 + 15_000), run('db', T0 + HOUR + 5_000)],
        }),
      );
      expect(decisions.map(brief)).to.deep.equal(['a: update -> da', 'b: update -> db', 'c: create']);
    });

    it('two identical new source records are created once', () => {
      const decisions = resolveConflicts(
        input({ source: [run('y', T0), run('x', T0 + 30_000)], destination: [] }),
      );
      expect(decisions.map(brief)).to.deep.equal(['y: skip(duplicate_at_destination)', 'x: create']);
    });
  });

  it('works for the other data types (steps by local date, weight by time)', () => {
    const steps = (
      recordId: string,
      date: string,
      timezone: string | null,
      startTime: string,
    ): RecordSummary => ({
      dataType: 'steps',
      recordId,
      startTime,
      endTime: null,
      date,
      value: 9000,
      timezone,
      lastModified: '2024-03-11T00:00:00.000Z',
    });
    const decisions = resolveConflicts(
      input({
        dataType: 'steps',
        strategy: 'newest_wins',
        source: [
          steps('ny-10', '2024-03-10', 'America/New_York', '2024-03-10T05:00:00.000Z'),
          steps('ny-11', '2024-03-11', 'America/New_York', '2024-03-11T04:00:00.000Z'),
        ],
        destination: [
          {
            ...steps('d-10', '2024-03-10', null, '2024-03-10T00:00:00.000Z'),
            lastModified: '2024-03-10T00:00:00Z',
          },
        ],
      }),
    );
    expect(decisions.map(brief)).to.deep.equal(['ny-10: update -> d-10', 'ny-11: create']);
  });

  it('summarizes decisions', () => {
    const decisions = resolveConflicts(
      input({
        strategy: 'newest_wins',
        source: [run('a', T0), run('b', T0 + 5 * HOUR + 7 * MIN), run('c', T0 + 10 * HOUR + 9 * MIN)],
        destination: [run('da', T0, 40, '2024-06-01T00:00:00.000Z')],
        ledger: new Map([
          ['c', { destinationRecordId: 'dc', sourceLastModified: '2024-05-01T12:00:00.000Z' }],
        ]),
      }),
    );
    expect(summarizeDecisions(decisions)).to.deep.equal({
      create: 1,
      update: 0,
      skip: 2,
      byReason: {
        already_synced: 1,
        duplicate_at_destination: 0,
        destination_wins: 0,
        destination_newer: 1,
        update_unsupported: 0,
      },
    });
  });

  describe('property: input order does not change decisions', () => {
    function rng(seed: number): () => number {
      // mulberry32
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    function shuffle<T>(items: readonly T[], next: () => number): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    }

    const types = ['running', 'walking', 'hiking', 'cycling', 'other'] as const;
    const strategies: ConflictStrategy[] = ['source_wins', 'dest_wins', 'newest_wins'];

    function scenario(next: () => number): ResolutionInput {
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
      const anchors = Array.from({ length: 6 }, () => T0 + Math.floor(next() * 48) * HOUR);
      const jitter = (): number =>
        Math.floor((next() - 0.5) * 6 * MIN) + (next() < 0.2 ? pick([-1, 1, 2]) * HOUR : 0);
      const make = (id: string): RecordSummary => ({
        ...run(id, pick(anchors) + jitter(), 20 + Math.floor(next() * 60)),
        workoutType: pick(types),
        lastModified: iso(T0 + Math.floor(next() * 4) * HOUR),
      });
      const source = Array.from({ length: 12 }, (_, i) => make(`s${i}`));
      source.push({ ...(source[0] as RecordSummary), lastModified: iso(T0 + 9 * HOUR) }); // a duplicate id
      const destination = Array.from({ length: 10 }, (_, i) => make(`d${i}`));
      const ledger = new Map<string, LedgerEntry>();
      // A consistent ledger: distinct destination records, for up to three source records.
      const ledgerDestinations = shuffle(destination, next).slice(0, 3);
      for (const d of ledgerDestinations) {
        ledger.set(`s${Math.floor(next() * 12)}`, {
          destinationRecordId: d.recordId,
          sourceLastModified: iso(T0 + Math.floor(next() * 4) * HOUR),
        });
      }
      return input({
        strategy: pick(strategies),
        destinationCanUpdate: next() < 0.7,
        source,
        destination: next() < 0.15 ? undefined : destination,
        ledger,
      });
    }

    it('200 random scenarios, each in 5 shuffled orders', () => {
      const seen = new Set<string>();
      for (let seed = 1; seed <= 200; seed++) {
        const next = rng(seed);
        const base = scenario(next);
        const baseDecisions = resolveConflicts(base);
        for (const d of baseDecisions) seen.add(d.action === 'skip' ? d.reason : d.action);
        const expected = new Map(baseDecisions.map((d) => [d.source.recordId, brief(d)]));
        expect(expected.size).to.equal(12);

        for (let k = 0; k < 5; k++) {
          const shuffled: ResolutionInput = {
            ...base,
            source: shuffle(base.source, next),
            destination: base.destination && shuffle(base.destination, next),
            ledger: new Map(shuffle([...base.ledger], next)),
          };
          const decisions = resolveConflicts(shuffled);
          const firstSeen = [...new Set(shuffled.source.map((s) => s.recordId))];
          expect(
            decisions.map((d) => d.source.recordId),
            `seed ${seed}: source order`,
          ).to.deep.equal(firstSeen);
          expect(new Map(decisions.map((d) => [d.source.recordId, brief(d)])), `seed ${seed}`).to.deep.equal(
            expected,
          );

          // Invariant: no destination record is updated (or matched) for two source records.
          const updated = decisions.flatMap((d) => (d.action === 'update' ? [d.destinationRecordId] : []));
          expect(new Set(updated).size, `seed ${seed}: distinct update targets`).to.equal(updated.length);
        }
      }
      // The scenarios reach every outcome.
      expect([...seen].sort()).to.deep.equal([
        'already_synced',
        'create',
        'destination_newer',
        'destination_wins',
        'duplicate_at_destination',
        'update',
        'update_unsupported',
      ]);
    });
  });
});

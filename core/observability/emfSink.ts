// CloudWatch Embedded Metric Format (seed §6): observations become JSON log lines that CloudWatch
// Logs turns into metrics, with no agent and no PutMetricData call. Counters are summed per series
// and written once per flush; histogram observations are kept as raw values (EMF's value arrays, at
// most 100 per document) so CloudWatch computes exact percentiles (P95_ManualSyncLatency); gauges
// are read from the registry at each flush.
// Hand-written: AWS Lambda Powertools' Metrics (the library for EMF) buffers one dimension set per
// flush and cannot read a prom-client registry, so the two views of the same observations would
// have needed two instrumentations.

/** CloudWatch's units for the metrics we publish. */
export type EmfUnit = 'Count' | 'Seconds' | 'None';

/** EMF's limit on the values of one metric in one document. */
const MAX_VALUES = 100;

interface Series {
  name: string;
  unit: EmfUnit;
  labels: Record<string, string>;
  rollups: readonly (readonly string[])[];
  sum: number;
  values: number[];
}

export interface EmfGauge {
  name: string;
  unit: EmfUnit;
  labels: Record<string, string>;
  value: number;
  rollups?: Rollups;
}

export type Rollups = readonly (readonly string[])[];

export interface EmfSinkOptions {
  namespace: string;
  /** The `service` dimension every metric carries (api, worker). */
  service: string;
  /** One EMF document per call, without the newline. */
  write(line: string): void;
  /** Milliseconds since the epoch, for each document's Timestamp. */
  now(): number;
}

export class EmfSink {
  private readonly counters = new Map<string, Series>();
  private readonly histograms = new Map<string, Series>();

  constructor(private readonly o: EmfSinkOptions) {}

  /**
   * `rollups`: extra dimension sets (subsets of the labels, possibly empty) CloudWatch also
   * aggregates by, so an alarm can watch e.g. all failed jobs whatever their trigger.
   */
  add(name: string, unit: EmfUnit, labels: Record<string, string>, by: number, rollups: Rollups = []): void {
    this.seriesIn(this.counters, name, unit, labels, rollups).sum += by;
  }

  observe(
    name: string,
    unit: EmfUnit,
    labels: Record<string, string>,
    value: number,
    rollups: Rollups = [],
  ): void {
    const series = this.seriesIn(this.histograms, name, unit, labels, rollups);
    series.values.push(value);
    if (series.values.length >= MAX_VALUES) {
      this.write(series, series.values);
      series.values = [];
    }
  }

  /** Writes every series recorded since the last flush, and the gauges given. */
  flush(gauges: readonly EmfGauge[] = []): void {
    for (const s of this.counters.values()) if (s.sum !== 0) this.write(s, s.sum);
    for (const s of this.histograms.values()) if (s.values.length > 0) this.write(s, s.values);
    for (const g of gauges) this.write({ rollups: [], ...g, sum: 0, values: [] }, g.value);
    this.counters.clear();
    this.histograms.clear();
  }

  private seriesIn(
    map: Map<string, Series>,
    name: string,
    unit: EmfUnit,
    labels: Record<string, string>,
    rollups: Rollups,
  ): Series {
    const key = `${name}\u0000${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join('\u0000')}`;
    let series = map.get(key);
    if (!series) {
      series = { name, unit, labels: { ...labels }, rollups, sum: 0, values: [] };
      map.set(key, series);
    }
    return series;
  }

  private write(series: Series, value: number | number[]): void {
    const dimensions = [
      ['service', ...Object.keys(series.labels).sort()],
      ...series.rollups.map((r) => [...r]),
    ];
    this.o.write(
      JSON.stringify({
        _aws: {
          Timestamp: this.o.now(),
          CloudWatchMetrics: [
            {
              Namespace: this.o.namespace,
              Dimensions: dimensions,
              Metrics: [{ Name: series.name, Unit: series.unit }],
            },
          ],
        },
        service: this.o.service,
        ...series.labels,
        [series.name]: value,
      }),
    );
  }
}

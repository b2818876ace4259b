// A process's Prometheus `/metrics` (the operations port, METRICS_PORT) read as samples, for
// benchmarks that watch a child from outside: the figures operators would see, nothing added.
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (one sample per line; HELP/TYPE lines skipped). */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

export async function scrapeMetrics(url: string): Promise<MetricSample[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${res.status} ${url}: ${text.slice(0, 300)}`);
  return parseMetrics(text);
}

/**
 * The sum of the samples named `name` whose labels include `labels`; 0 when there is none (a
 * labelled counter appears only once something was counted with those labels).
 */
export function metricTotal(
  samples: readonly MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** The value of a metric the process always exports (a default gauge); throws if it is missing. */
export function metricValue(samples: readonly MetricSample[], name: string): number {
  const found = samples.find((s) => s.name === name);
  if (!found) throw new Error(`no ${name} in the scrape (renamed?)`);
  return found.value;
}

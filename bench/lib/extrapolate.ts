// What the measured API CPU per request says about the seed's peak of 3,000 req/s (spec §3b, §8).
// An extrapolation, not a measurement: nothing here ran at 3,000 req/s. It assumes the CPU per
// request stays what it was at the measured rate (batching makes a POST cheaper as the rate per
// process grows, so the fixed-rate figure is the cautious one) and that the emulators, the load
// generator and the network keep up, which on the bench machine they do not.
//
// - cores = peak × CPU per request (all threads);
// - a Node process serves at most 1 s ÷ its main thread's CPU per request, so the fewest processes
//   that can carry the peak are peak × main-thread CPU per request, every main thread 100 % busy;
// - the capacity model's sizing (scripts/capacity/): one-vCPU tasks at its target utilisation.
import { defaultAssumptions } from '../../scripts/capacity/assumptions.js';
import type { EndpointName } from './load.js';
import type { PhaseKind, Summary } from './report.js';
import { round } from './stats.js';

export const SEED_PEAK_RPS = defaultAssumptions.peakRequestsPerSecond;
const TASK_VCPU = defaultAssumptions.apiTaskVcpu;
const TARGET_UTILISATION = defaultAssumptions.targetCpuUtilisation;

export interface Extrapolation {
  endpoint: EndpointName;
  /** The phase whose CPU per request is extrapolated. */
  from: PhaseKind;
  /** The throughput it was measured at, req/s, and on how many API processes. */
  measuredRps: number;
  processesMeasured: number;
  cpuMicrosPerRequest: number;
  mainThreadMicrosPerRequest: number;
  /** 1 s of API CPU ÷ CPU per request. */
  requestsPerCoreSecond: number;
  peakRps: number;
  coresAtPeak: number;
  /** Every main thread 100 % busy: the floor. */
  fewestProcessesAtPeak: number;
  /** One-vCPU tasks at the capacity model's target utilisation. */
  tasksAtTargetUtilisation: number;
  targetUtilisation: number;
}

export function extrapolate(s: Summary): Extrapolation[] {
  const phases: [PhaseKind, number, number, number][] = [
    ['fixed', s.rate, s.cpuMicrosPerRequest, s.mainThreadMicrosPerRequest],
    ['saturation', s.saturationRps, s.saturationCpuMicrosPerRequest, s.saturationMainThreadMicrosPerRequest],
  ];
  return phases
    .filter(([, , cpu]) => Number.isFinite(cpu) && cpu > 0)
    .map(([from, measuredRps, cpu, main]) => {
      const cores = (SEED_PEAK_RPS * cpu) / 1e6;
      return {
        endpoint: s.endpoint,
        from,
        measuredRps: round(measuredRps),
        processesMeasured: s.processes,
        cpuMicrosPerRequest: cpu,
        mainThreadMicrosPerRequest: main,
        requestsPerCoreSecond: round(1e6 / cpu),
        peakRps: SEED_PEAK_RPS,
        coresAtPeak: round(cores, 2),
        fewestProcessesAtPeak: Math.ceil((SEED_PEAK_RPS * main) / 1e6 - 1e-9),
        tasksAtTargetUtilisation: Math.ceil(cores / (TASK_VCPU * TARGET_UTILISATION) - 1e-9),
        targetUtilisation: TARGET_UTILISATION,
      };
    });
}

export function extrapolationLines(list: Extrapolation[]): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const processes = (count: number) => `${count} process${count === 1 ? '' : 'es'}`;
  return [
    `EXTRAPOLATION to the seed's ${n(SEED_PEAK_RPS)} req/s from the measured API CPU per request ` +
      `(an extrapolation, not a measurement at that rate):`,
    ...list.map(
      (e) =>
        `  ${e.endpoint.padEnd(20)} ${e.from === 'fixed' ? `at ${n(e.measuredRps)} req/s` : `saturation (${n(e.measuredRps)} req/s)`}` +
        ` on ${processes(e.processesMeasured)}: ${n(round(e.cpuMicrosPerRequest))} µs/req → ` +
        `${n(e.requestsPerCoreSecond)} req/s per API core → ${e.coresAtPeak} cores; ` +
        `≥ ${processes(e.fewestProcessesAtPeak)} (main thread ${n(round(e.mainThreadMicrosPerRequest))} µs/req, ` +
        `100 % busy), ${e.tasksAtTargetUtilisation} one-vCPU tasks at ${e.targetUtilisation * 100} %`,
    ),
  ].join('\n');
}

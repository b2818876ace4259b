// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package / area and the top
// functions. Usage: npx tsx bench/profileSummary.ts <file.cpuprofile> [--top N] [--requests N]
// [--last S | --from S --to S] [--timeline].
// With --requests, times are also shown per request (µs), for a per-request budget.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '40' },
    requests: { type: 'string' },
    last: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    timeline: { type: 'boolean', default: false },
  },
});
const file = positionals[0];
if (!file) {
  console.error(
    'usage: tsx bench/profileSummary.ts <file.cpuprofile> [--top N] [--requests N] [--last S | --from S --to S] [--timeline]',
  );
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const requests = values.requests ? Number(values.requests) : undefined;

/** A coarse owner for a frame: an npm package, an area of this repository, node internals or V8. */
function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (['(garbage collector)', '(idle)', '(program)', '(root)'].includes(functionName)) return functionName;
    return '(native/builtin)';
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const repo = url.match(/\/(server|core|infra|bench|generated)\/(.*)$/);
  if (repo) return `repo:${repo[1]}/${repo[2]?.split('/')[0]}`;
  return url;
}

// --last S keeps only the samples of the final S seconds (the measured phase, not the start-up);
// --from/--to S keep those between two offsets from the profile's start (one phase of several:
// --timeline prints busy milliseconds per second, to find where a phase starts and ends).
{
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += d));
  const seconds = (option: string | undefined) => (option === undefined ? undefined : Number(option) * 1e6);
  const last = seconds(values.last);
  const from = last !== undefined ? profile.endTime - last : profile.startTime + (seconds(values.from) ?? 0);
  const to = profile.startTime + (seconds(values.to) ?? Infinity);
  if (values.timeline) {
    const idleIds = new Set(
      profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
    );
    const busyPerSecond: number[] = [];
    times.forEach((time, i) => {
      const second = Math.floor((time - profile.startTime) / 1e6);
      if (!idleIds.has(profile.samples[i]!))
        busyPerSecond[second] = (busyPerSecond[second] ?? 0) + profile.timeDeltas[i]!;
    });
    console.log('busy ms per second from the start:');
    console.log(
      [...busyPerSecond].map((us, second) => `${second}s:${Math.round((us ?? 0) / 1000)}`).join(' '),
    );
  }
  const keep = times.map((time) => time >= from && time < to);
  profile.samples = profile.samples.filter((_, i) => keep[i]);
  profile.timeDeltas = profile.timeDeltas.filter((_, i) => keep[i]);
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs.entries()]
  .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
  .reduce((a, [, us]) => a + us, 0);
const busy = total - idle;

const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node || node.callFrame.functionName === '(idle)') continue;
  const area = areaOf(node.callFrame);
  byArea.set(area, (byArea.get(area) ?? 0) + us);
  const short = node.callFrame.url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^file:\/\/.*?\/(server|core)\//, '$1/');
  const key = `${node.callFrame.functionName || '(anonymous)'}  ${short}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}

// Inclusive time: a sample counts once for every area that appears anywhere on its stack, so the
// AWS SDK's share includes the JSON, crypto and http work it calls into.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  if (!node || node.callFrame.functionName === '(idle)') return;
  const areas = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (frame) areas.add(areaOf(frame));
  }
  for (const a of areas) inclusive.set(a, (inclusive.get(a) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

// Owner: every sample is charged to the innermost frame that belongs to a library or to this
// repository; node internals and native code are charged to whoever called them (so SigV4's
// crypto counts as AWS SDK, a socket write from an SDK request as AWS SDK). Sums to 100%.
const GROUPS: Array<[RegExp, string]> = [
  [/^(@aws-sdk\/|@smithy\/|@aws-crypto\/|fast-xml-parser|strnum|bowser)/, 'AWS SDK v3'],
  [
    /^(express-openapi-validator|ajv|ajv-formats|fast-uri|json-schema-traverse|fast-deep-equal|media-typer|multer)$/,
    'openapi validator (express-openapi-validator, ajv)',
  ],
  [
    /^(express|router|body-parser|raw-body|iconv-lite|type-is|content-type|finalhandler|send|on-finished|mime-types|mime-db|qs|depd|statuses|http-errors|cookie|accepts|negotiator|encodeurl|parseurl|vary|etag|fresh|range-parser|serve-static|merge-descriptors|setprototypeof|ee-first|escape-html|content-disposition|proxy-addr|forwarded|cookie-signature|is-promise|unpipe|bytes)$/,
    'express (router, body-parser, response)',
  ],
  [
    /^(pino|sonic-boom|fast-redact|@pinojs\/redact|thread-stream|quick-format-unescaped|on-exit-leak-free|atomic-sleep|pino-std-serializers|fast-safe-stringify)/,
    'pino',
  ],
  [/^(ioredis|redis-parser|redis-errors|cluster-key-slot|denque|standard-as-callback|lodash\.)/, 'ioredis'],
  [/^jose$/, 'jose'],
  [/^lru-cache$/, 'lru-cache'],
  [/^tsx$|^esbuild$|^get-tsconfig$/, 'tsx (loader)'],
];
// Small helpers used by several owners: charged to their caller.
const TRANSPARENT = /^(path-to-regexp|safe-stable-stringify|tslib|debug|ms)$/;
function ownerOf(frame: CallFrame): string | null {
  const area = areaOf(frame);
  if (area === '(garbage collector)' || area === '(program)') return area;
  // The write system calls: on loopback they include the kernel's delivery to the receiver.
  if (
    area === '(native/builtin)' &&
    /^(writev|write(Utf8|Latin1|Ascii|Ucs2)String|writeBuffer)$/.test(frame.functionName)
  )
    return 'socket write syscalls (kernel; loopback delivery included)';
  if (area === '(native/builtin)' && /^validate\d*$/.test(frame.functionName))
    return 'openapi validator (express-openapi-validator, ajv)';
  if (area.startsWith('repo:'))
    return area.startsWith('repo:server') ? 'app code: server/' : 'app code: core/';
  if (area.startsWith('node:') || area.startsWith('(')) return null;
  if (TRANSPARENT.test(area)) return null;
  for (const [re, group] of GROUPS) if (re.test(area)) return group;
  return area;
}
const byOwner = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  if (!node || node.callFrame.functionName === '(idle)') return;
  let owner: string | null = null;
  for (let at: number | undefined = id; at !== undefined && owner === null; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (frame) owner = ownerOf(frame);
  }
  const key = owner ?? 'node runtime (http server, sockets, timers, microtasks)';
  byOwner.set(key, (byOwner.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

const line = (label: string, us: number) => {
  const pct = ((us / busy) * 100).toFixed(1).padStart(5);
  const perReq = requests ? `${(us / requests).toFixed(0).padStart(6)} µs/req` : '';
  return `${pct}%  ${(us / 1000).toFixed(0).padStart(7)} ms ${perReq}  ${label}`;
};

console.log(
  `${file}\nwall ${(total / 1e6).toFixed(1)} s, busy (not idle) ${(busy / 1e6).toFixed(1)} s` +
    (requests ? `, ${requests} requests → ${(busy / requests).toFixed(0)} µs busy per request` : ''),
);
console.log('\nBy owner (innermost library or repository frame on the stack; sums to 100%):');
for (const [owner, us] of [...byOwner].sort((a, b) => b[1] - a[1])) console.log(line(owner, us));
console.log('\nSelf time by package / area (share of busy time):');
for (const [area, us] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(line(area, us));
console.log('\nInclusive time by package / area (anywhere on the stack; shares overlap):');
for (const [area, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(line(area, us));
console.log(`\nTop ${values.top} functions by self time:`);
for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(line(fn, us));

// Monthly cost against DAU, drawn twice from the same points: an ASCII chart for the terminal and a
// hand-written SVG for docs/ (no charting dependency).

export interface CostPoint {
  dau: number;
  totalUsd: number;
  /** The total without Secrets Manager's per-secret storage (one secret per connection dominates). */
  withoutSecretStorageUsd: number;
  computeUsd: number;
}

export const formatDau = (dau: number) => (dau >= 1e6 ? `${dau / 1e6}M` : `${dau / 1e3}k`);
const formatUsd = (usd: number) =>
  usd >= 1e6
    ? `$${+(usd / 1e6).toFixed(2)}M`
    : usd >= 1e4
      ? `$${Math.round(usd / 1e3)}k`
      : usd >= 1e3
        ? `$${(usd / 1e3).toFixed(1)}k`
        : `$${Math.round(usd)}`;

/** Two bars per DAU, each scaled to its own maximum: the total, and the total without secret storage. */
export function asciiChart(points: CostPoint[], width = 50): string {
  const bars = (pick: (p: CostPoint) => number, symbol: string, label: string) => {
    const max = Math.max(...points.map(pick));
    return [
      label,
      ...points.map((p) => {
        const length = Math.max(1, Math.round((pick(p) / max) * width));
        return `${formatDau(p.dau).padStart(5)} | ${symbol.repeat(length).padEnd(width)} ${formatUsd(pick(p))}/month`;
      }),
    ];
  };
  return [
    ...bars((p) => p.totalUsd, '#', 'total:'),
    ...bars((p) => p.withoutSecretStorageUsd, '=', 'without Secrets Manager storage (own scale):'),
  ].join('\n');
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A line chart, log-scaled both ways: the total, the total without secret storage, and Fargate. */
export function svgChart(points: CostPoint[], title: string): string {
  const W = 720;
  const H = 420;
  const left = 90;
  const right = 60;
  const top = 50;
  const bottom = 60;
  const xs = points.map((p) => Math.log10(p.dau));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  // Log scale on y too: the total is dominated by secret storage, the rest is two orders smaller.
  const all = points
    .flatMap((p) => [p.totalUsd, p.withoutSecretStorageUsd, p.computeUsd])
    .filter((v) => v > 0);
  const yLow = Math.floor(Math.log10(Math.min(...all)));
  const yHigh = Math.ceil(Math.log10(Math.max(...all)));
  const x = (dau: number) => left + ((Math.log10(dau) - xMin) / (xMax - xMin || 1)) * (W - left - right);
  const y = (usd: number) =>
    top + (1 - (Math.log10(Math.max(usd, 10 ** yLow)) - yLow) / (yHigh - yLow || 1)) * (H - top - bottom);
  const path = (pick: (p: CostPoint) => number) =>
    points.map((p, i) => `${i ? 'L' : 'M'}${x(p.dau).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(' ');
  const yTicks = Array.from({ length: yHigh - yLow + 1 }, (_, i) => 10 ** (yLow + i));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${escape(title)}</text>`,
  ];
  for (const t of yTicks) {
    out.push(
      `<line x1="${left}" x2="${W - right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${escape(formatUsd(t))}</text>`,
    );
  }
  for (const p of points) {
    out.push(
      `<line x1="${x(p.dau).toFixed(1)}" x2="${x(p.dau).toFixed(1)}" y1="${top}" y2="${H - bottom}" stroke="#eee"/>`,
      `<text x="${x(p.dau).toFixed(1)}" y="${H - bottom + 18}" text-anchor="middle">${formatDau(p.dau)}</text>`,
    );
  }
  out.push(
    `<text x="${(left + W - right) / 2}" y="${H - 18}" text-anchor="middle">daily active users (log scale)</text>`,
    `<text x="20" y="${(top + H - bottom) / 2}" text-anchor="middle" transform="rotate(-90 20 ${(top + H - bottom) / 2})">USD per month (log scale)</text>`,
    `<path d="${path((p) => p.totalUsd)}" fill="none" stroke="#1f77b4" stroke-width="2.5"/>`,
    `<path d="${path((p) => p.withoutSecretStorageUsd)}" fill="none" stroke="#2ca02c" stroke-width="2"/>`,
    `<path d="${path((p) => p.computeUsd)}" fill="none" stroke="#ff7f0e" stroke-width="2" stroke-dasharray="6 4"/>`,
  );
  for (const p of points) {
    out.push(
      `<circle cx="${x(p.dau).toFixed(1)}" cy="${y(p.totalUsd).toFixed(1)}" r="3.5" fill="#1f77b4"/>`,
      `<text x="${(x(p.dau) - 6).toFixed(1)}" y="${(y(p.totalUsd) - 8).toFixed(1)}" text-anchor="end">${escape(formatUsd(p.totalUsd))}</text>`,
      `<circle cx="${x(p.dau).toFixed(1)}" cy="${y(p.withoutSecretStorageUsd).toFixed(1)}" r="3" fill="#2ca02c"/>`,
      `<text x="${(x(p.dau) + 6).toFixed(1)}" y="${(y(p.withoutSecretStorageUsd) + 16).toFixed(1)}">${escape(formatUsd(p.withoutSecretStorageUsd))}</text>`,
    );
  }
  out.push(
    `<line x1="${left + 10}" x2="${left + 40}" y1="${top + 8}" y2="${top + 8}" stroke="#1f77b4" stroke-width="2.5"/>`,
    `<text x="${left + 46}" y="${top + 12}">total</text>`,
    `<line x1="${left + 100}" x2="${left + 130}" y1="${top + 8}" y2="${top + 8}" stroke="#ff7f0e" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<text x="${left + 136}" y="${top + 12}">Fargate (API + workers)</text>`,
    `<line x1="${left + 300}" x2="${left + 330}" y1="${top + 8}" y2="${top + 8}" stroke="#2ca02c" stroke-width="2"/>`,
    `<text x="${left + 336}" y="${top + 12}">total without secret storage</text>`,
    '</svg>',
    '',
  );
  return out.join('\n');
}

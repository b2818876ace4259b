// The price table (infra/pricing/aws-us-east-1.json): every price the model multiplies by, each
// with the page it was transcribed from. A missing price stops the run, like a missing bench field.
import { readFileSync } from 'node:fs';

export const priceNames = [
  'fargateArmVcpuHour',
  'fargateArmGbHour',
  'fargateSpotDiscount',
  'dynamoWriteRequestUnitMillion',
  'dynamoReadRequestUnitMillion',
  'dynamoStorageGbMonth',
  'sqsFifoRequestMillion',
  'sqsStandardRequestMillion',
  'eventBridgeEventMillion',
  'elasticacheNodeHour',
  'secretsManagerSecretMonth',
  'secretsManagerCallsTenThousand',
  'cloudWatchLogsIngestGb',
  'cloudWatchLogsStorageGbMonth',
  'natGatewayHour',
  'natGatewayGb',
  'albHour',
  'albLcuHour',
  'pushMessage',
] as const;

export type PriceName = (typeof priceNames)[number];
export type Prices = Record<PriceName, number>;

export interface PriceTable {
  region: string;
  taken: string;
  provenance: string;
  prices: Prices;
  sources: Record<PriceName, string>;
}

export class PriceTableError extends Error {}

/** Pure: validates a parsed price document. */
export function parsePriceTable(doc: unknown, file: string): PriceTable {
  const d = doc as {
    region?: unknown;
    taken?: unknown;
    provenance?: unknown;
    prices?: Record<string, { usd?: unknown; source?: unknown }>;
  };
  if (!d || typeof d !== 'object' || !d.prices) throw new PriceTableError(`${file}: no "prices" object`);
  const prices = {} as Prices;
  const sources = {} as Record<PriceName, string>;
  for (const name of priceNames) {
    const p = d.prices[name];
    if (!p || typeof p.usd !== 'number' || !Number.isFinite(p.usd) || p.usd < 0) {
      throw new PriceTableError(`${file}: price "prices.${name}.usd" is missing or not a number ≥ 0`);
    }
    if (typeof p.source !== 'string' || !p.source.startsWith('https://')) {
      throw new PriceTableError(`${file}: price "prices.${name}" has no source URL`);
    }
    prices[name] = p.usd;
    sources[name] = p.source;
  }
  if (typeof d.taken !== 'string') throw new PriceTableError(`${file}: no "taken" date`);
  return {
    region: String(d.region),
    taken: d.taken,
    provenance: String(d.provenance ?? ''),
    prices,
    sources,
  };
}

export function loadPriceTable(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new PriceTableError(`${file} is missing`);
  }
  return parsePriceTable(JSON.parse(text) as unknown, file);
}

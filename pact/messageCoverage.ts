// Which messages of contracts/asyncapi.yaml the message pacts cover, checked mechanically: every
// interaction names a message and channel of the contract (pact/messageMetadata.ts), every message
// that travels over SQS has an interaction, and every message without one is listed below with the
// reason. pact/provider/messageCoverage.verify.ts runs the check in `npm run test:pact`.
import { Parser, fromFile } from '@asyncapi/parser';
import { ASYNCAPI_CHANNEL, ASYNCAPI_MESSAGE } from './messageMetadata.js';

export const ASYNCAPI_FILE = new URL('../contracts/asyncapi.yaml', import.meta.url).pathname;

/**
 * Messages of the contract deliberately without a pact yet, and why. A message leaves this list in
 * the change that gives it a producer and a consumer (and with them, an interaction).
 */
export const NOT_COVERED_YET: Readonly<Record<string, string>> = {
  JobStatusChanged: 'Redis pub/sub between our own processes (core/realtime/), validated on both sides',
};

export interface ContractMessages {
  /** Every message of the contract. */
  all: Set<string>;
  /** Messages that travel on an SQS channel. */
  sqs: Set<string>;
  /** channel id → the messages it carries */
  channels: Map<string, Set<string>>;
}

export async function contractMessages(file = ASYNCAPI_FILE): Promise<ContractMessages> {
  const { document, diagnostics } = await fromFile(new Parser(), file).parse();
  if (!document) throw new Error(`${file} does not parse: ${diagnostics.map((d) => d.message).join('; ')}`);
  const all = new Set(
    document
      .components()
      .messages()
      .all()
      .map((m) => m.name() ?? m.id()),
  );
  const sqs = new Set<string>();
  const channels = new Map<string, Set<string>>();
  for (const channel of document.channels().all()) {
    const names = new Set(
      channel
        .messages()
        .all()
        .map((m) => m.name() ?? m.id()),
    );
    channels.set(channel.id(), names);
    if (
      channel
        .servers()
        .all()
        .some((s) => s.protocol() === 'sqs')
    )
      for (const n of names) sqs.add(n);
  }
  return { all, sqs, channels };
}

export interface MessageInteraction {
  description: string;
  type?: string;
  metadata?: Record<string, unknown>;
}

/** The message interactions of a V4 pact file. */
export function messageInteractions(pact: { interactions: MessageInteraction[] }): MessageInteraction[] {
  return pact.interactions.filter((i) => i.type === undefined || /Messages?$/.test(i.type));
}

/** Everything wrong with the coverage, one line per problem; empty when it is as it should be. */
export function coverageProblems(
  contract: ContractMessages,
  interactions: MessageInteraction[],
  notCovered: Readonly<Record<string, string>> = NOT_COVERED_YET,
): string[] {
  const problems: string[] = [];
  const covered = new Set<string>();
  for (const { description, metadata } of interactions) {
    const message = metadata?.[ASYNCAPI_MESSAGE];
    const channel = metadata?.[ASYNCAPI_CHANNEL];
    if (typeof message !== 'string' || typeof channel !== 'string') {
      problems.push(`'${description}' names no AsyncAPI message and channel in its metadata`);
      continue;
    }
    if (!contract.all.has(message))
      problems.push(`'${description}' names ${message}, not a message of the contract`);
    else if (!contract.channels.get(channel)?.has(message))
      problems.push(`'${description}' names channel ${channel}, which does not carry ${message}`);
    else covered.add(message);
  }
  for (const message of contract.all)
    if (!covered.has(message) && !(message in notCovered))
      problems.push(
        contract.sqs.has(message)
          ? `${message} travels over SQS but no message pact covers it`
          : `${message} has no message pact and is not listed in NOT_COVERED_YET with a reason`,
      );
  for (const message of Object.keys(notCovered)) {
    if (!contract.all.has(message))
      problems.push(`NOT_COVERED_YET lists ${message}, not a message of the contract`);
    if (covered.has(message)) problems.push(`${message} is covered now: remove it from NOT_COVERED_YET`);
  }
  return problems;
}

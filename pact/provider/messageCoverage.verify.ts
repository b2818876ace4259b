// The message pacts cover the contract: every message interaction of the pacts (written by the
// consumer step just before: the worker's, the SDK's socket frames and push payloads beside its HTTP
// interactions, and the API's pact on the frames the SDK sends) names a message and channel of
// contracts/asyncapi.yaml, and every message that travels over SQS has an interaction unless
// NOT_COVERED_YET says why not.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  contractMessages,
  coverageProblems,
  messageInteractions,
  NOT_COVERED_YET,
  type ContractMessages,
  type MessageInteraction,
} from '../messageCoverage.js';
import { asyncApi } from '../messageMetadata.js';
import { MESSAGE_PACT_FILE, PACT_FILE, SOCKET_FRAMES_PACT_FILE } from '../pactFiles.js';

/** Every pact file that holds message interactions. */
const MESSAGE_PACTS = [MESSAGE_PACT_FILE, PACT_FILE, SOCKET_FRAMES_PACT_FILE];

describe('message pacts cover contracts/asyncapi.yaml', () => {
  let contract: ContractMessages;
  let interactions: MessageInteraction[];
  before(async () => {
    contract = await contractMessages();
    interactions = MESSAGE_PACTS.flatMap((file) =>
      messageInteractions(JSON.parse(readFileSync(file, 'utf8'))),
    );
  });

  it('every interaction names a contract message, every SQS message has one (or a stated reason)', () => {
    expect(interactions.length).to.be.above(0);
    expect(coverageProblems(contract, interactions)).to.deep.equal([]);
    // Every message that travels over SQS has a producer and a consumer, so an interaction.
    expect([...contract.sqs].filter((m) => m in NOT_COVERED_YET).sort()).to.deep.equal([]);
  });

  it('fails for an SQS message without an interaction, and for a name the contract lacks', () => {
    const withoutPolls = interactions.filter((i) => i.metadata?.asyncApiMessage !== 'PollScheduled');
    expect(coverageProblems(contract, withoutPolls)).to.deep.equal([
      'PollScheduled travels over SQS but no message pact covers it',
    ]);
    const stray = { description: 'a stray message', metadata: asyncApi('JobExploded', 'hotPathSync') };
    expect(coverageProblems(contract, [...interactions, stray])).to.deep.equal([
      "'a stray message' names JobExploded, not a message of the contract",
    ]);
    const unnamed = { description: 'an unnamed message', metadata: {} };
    expect(coverageProblems(contract, [...interactions, unnamed])).to.deep.equal([
      "'an unnamed message' names no AsyncAPI message and channel in its metadata",
    ]);
    const wrongChannel = {
      description: 'a misrouted chunk',
      metadata: asyncApi('HistoricalChunkRequested', 'pollSchedule'),
    };
    expect(coverageProblems(contract, [...interactions, wrongChannel])).to.deep.equal([
      "'a misrouted chunk' names channel pollSchedule, which does not carry HistoricalChunkRequested",
    ]);
  });

  it('keeps NOT_COVERED_YET true: no stale or unknown entries', () => {
    // Any message still listed, given an interaction: the list must lose it.
    const [listed, channel] = Object.keys(NOT_COVERED_YET).flatMap((m) =>
      [...contract.channels].flatMap(([c, messages]) => (messages.has(m) ? [[m, c] as const] : [])),
    )[0]!;
    const covered = { description: `a ${listed}`, metadata: asyncApi(listed, channel) };
    expect(coverageProblems(contract, [...interactions, covered])).to.deep.equal([
      `${listed} is covered now: remove it from NOT_COVERED_YET`,
    ]);
    expect(coverageProblems(contract, interactions, { ...NOT_COVERED_YET, Gone: 'renamed' })).to.deep.equal([
      'NOT_COVERED_YET lists Gone, not a message of the contract',
    ]);
  });
});

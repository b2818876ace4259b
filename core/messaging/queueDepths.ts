// The depth of every configured queue, asked of SQS (GetQueueAttributes, one call per queue) when
// metrics are collected: the backlog operators watch and autoscaling follows (seed §3b).
import type { AwsJsonClient } from '../aws/awsJsonClient.js';
import type { QueueDepth } from '../observability/processGauges.js';

const ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
];

export async function readQueueDepths(
  sqs: Pick<AwsJsonClient, 'call'>,
  queues: Partial<Record<string, string>>,
): Promise<QueueDepth[]> {
  const entries = Object.entries(queues).filter((e): e is [string, string] => e[1] !== undefined);
  return Promise.all(
    entries.map(async ([channel, url]) => {
      const { Attributes: a = {} } = await sqs.call<{ Attributes?: Record<string, string> }>(
        'GetQueueAttributes',
        { QueueUrl: url, AttributeNames: ATTRIBUTES },
      );
      return {
        channel,
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    }),
  );
}

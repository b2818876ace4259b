// The operator's view of the dead-letter queues: look at what is there and why, and send chosen
// messages back (the console). SQS's own redrive (StartMessageMoveTask) moves a whole queue and
// knows nothing of the contract; this moves the messages an operator chose, one by one, and only
// those whose body the contract still accepts, sending before deleting so nothing is lost.
//
// Looking receives the messages with a short visibility and hands them back at once; each look
// therefore counts as a receive of the DLQ message (DLQs have no redrive policy of their own).
import { createHash } from 'node:crypto';
import type { ChannelMessage, QueueChannel } from '../../generated/channels.gen.js';
import type { AwsJsonClient } from '../aws/awsJsonClient.js';
import { clock } from '../clock/clock.js';
import { deadLetterQueueUrlOf } from './channelRules.js';
import { MessageNotJsonError, parseMessage } from './messageCodec.js';
import { MessageValidationError } from './messageSchemas.js';
import { readQueueDepths } from './queueDepths.js';
import { dlqArrivals } from '../observability/metrics.js';

interface SqsMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

export interface DeadLetterView {
  messageId: string;
  originMessageId: string;
  failureCode: string;
  failureReason: string;
  sentAt: string;
  receiveCount: number;
  /** The body's string fields named `…Id`: enough to find the job or user, never the data. */
  ids: Record<string, string>;
}

export interface QueueDepthView {
  channel: QueueChannel;
  queueName: string;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetters: number;
}

export interface RedriveResult {
  redriven: string[];
  skipped: { messageId: string; reason: 'still_invalid' | 'not_found' }[];
}

/** The code SQS's redrive policy leaves: no failure attributes, it ran out of receives. */
export const MAX_RECEIVES_EXCEEDED = 'max_receives_exceeded';
const MAX_RECEIVES_REASON = 'SQS moved it here after its receives ran out (retries exhausted)';

/** What one pass over a channel's DLQ did with the letters SQS's redrive left there. */
export interface ExhaustedReport {
  /** Settled and marked `max_receives_exceeded`. */
  settled: number;
  /** Bodies the contract no longer accepts: marked, not settled. */
  unreadable: number;
  /** `settle` threw: left unmarked for the next pass. */
  failed: number;
}

/** Attributes the runtime adds to a dead letter (core/messaging/queueConsumer.ts); a redriven copy drops them. */
const FAILURE_ATTRIBUTES = new Set(['FailureCode', 'FailureReason', 'SourceChannel', 'Deferrals']);
/** Long enough to page through a queue without seeing a message twice; handed back at the end. */
const LOOK_VISIBILITY_SECONDS = 20;
/** Receives per request: enough for a console page or a redrive of 10 chosen messages. */
const MAX_RECEIVES = 6;

function idsOf(body: string | undefined): Record<string, string> {
  try {
    const parsed = JSON.parse(body ?? '') as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const ids: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed))
      if (/Id$/.test(key) && typeof value === 'string' && Object.keys(ids).length < 10)
        ids[key] = value.slice(0, 200);
    return ids;
  } catch {
    return {};
  }
}

export class DeadLetters {
  constructor(
    private readonly sqs: Pick<AwsJsonClient, 'call'>,
    private readonly queueUrls: Partial<Record<QueueChannel, string>>,
  ) {}

  /** The channel's queue and its DLQ, when this deployment has both. */
  queuesOf(channel: QueueChannel): { queueUrl: string; dlqUrl: string } | undefined {
    const queueUrl = this.queueUrls[channel];
    const dlqUrl = queueUrl && deadLetterQueueUrlOf(channel, queueUrl);
    return queueUrl && dlqUrl ? { queueUrl, dlqUrl } : undefined;
  }

  /** Each channel's queue depth and its DLQ's (channels without both queues are left out). */
  async depthsOf(channels: QueueChannel[]): Promise<QueueDepthView[]> {
    const configured = channels.flatMap((channel) => {
      const queues = this.queuesOf(channel);
      return queues ? [{ channel, ...queues }] : [];
    });
    return Promise.all(
      configured.map(async ({ channel, queueUrl, dlqUrl }) => {
        const [main, dlq] = await readQueueDepths(this.sqs, { main: queueUrl, dlq: dlqUrl });
        return {
          channel,
          queueName: queueUrl.slice(queueUrl.lastIndexOf('/') + 1),
          visible: main!.visible,
          inFlight: main!.inFlight,
          delayed: main!.delayed,
          deadLetters: dlq!.visible + dlq!.inFlight + dlq!.delayed,
        };
      }),
    );
  }

  /** Up to `limit` messages of the channel's DLQ, left in place. */
  async look(channel: QueueChannel, limit: number): Promise<DeadLetterView[]> {
    const queues = this.queuesOf(channel);
    if (!queues) return [];
    const seen = await this.receive(queues.dlqUrl, (found) => found.size >= limit);
    await this.handBack(queues.dlqUrl, [...seen.values()]);
    return [...seen.values()].slice(0, limit).map((m) => this.view(m));
  }

  /** Sends the chosen messages back to the channel's queue; see the file's comment. */
  async redrive(channel: QueueChannel, messageIds: string[]): Promise<RedriveResult> {
    const queues = this.queuesOf(channel);
    if (!queues)
      return { redriven: [], skipped: messageIds.map((messageId) => ({ messageId, reason: 'not_found' })) };
    const wanted = new Set(messageIds);
    const seen = await this.receive(queues.dlqUrl, (found) => [...wanted].every((id) => found.has(id)));
    const result: RedriveResult = { redriven: [], skipped: [] };
    const others: SqsMessage[] = [];
    for (const message of seen.values()) {
      if (!wanted.has(message.MessageId!)) others.push(message);
      else if (!this.stillValid(channel, message)) {
        result.skipped.push({ messageId: message.MessageId!, reason: 'still_invalid' });
        others.push(message);
      } else {
        await this.sqs.call('SendMessage', { QueueUrl: queues.queueUrl, ...this.copyOf(message, 'redrive') });
        await this.sqs.call('DeleteMessage', {
          QueueUrl: queues.dlqUrl,
          ReceiptHandle: message.ReceiptHandle,
        });
        result.redriven.push(message.MessageId!);
      }
    }
    await this.handBack(queues.dlqUrl, others);
    for (const id of messageIds)
      if (!seen.has(id)) result.skipped.push({ messageId: id, reason: 'not_found' });
    return result;
  }

  /**
   * The letters SQS's redrive moved here after their receives ran out: no attempt recorded an
   * outcome (the workers died on it, or the runtime could not run it to the end), so whatever the
   * message stood for (a job RUNNING under a dead claim) is left open. Each is handed to `settle`,
   * then replaced by a copy carrying `max_receives_exceeded` (send before delete, like a redrive),
   * so a later pass, in this worker or another, does not settle it again, and operators see the
   * reason. Letters the runtime put here already carry their failure and are left alone.
   */
  async settleExhausted<C extends QueueChannel>(
    channel: C,
    settle: (message: ChannelMessage<C>) => Promise<void>,
  ): Promise<ExhaustedReport> {
    const report: ExhaustedReport = { settled: 0, unreadable: 0, failed: 0 };
    const queues = this.queuesOf(channel);
    if (!queues) return report;
    const seen = await this.receive(queues.dlqUrl, () => false);
    const untouched: SqsMessage[] = [];
    for (const message of seen.values()) {
      if (message.MessageAttributes?.FailureCode) {
        untouched.push(message);
        continue;
      }
      let parsed: ChannelMessage<C> | undefined;
      try {
        parsed = parseMessage(channel, message.Body ?? '');
      } catch (error) {
        if (!(error instanceof MessageValidationError || error instanceof MessageNotJsonError)) throw error;
      }
      try {
        if (parsed) await settle(parsed);
      } catch {
        report.failed += 1;
        untouched.push(message);
        continue;
      }
      await this.sqs.call('SendMessage', {
        QueueUrl: queues.dlqUrl,
        ...this.copyOf(message, 'exhausted', {
          FailureCode: { DataType: 'String', StringValue: MAX_RECEIVES_EXCEEDED },
          FailureReason: { DataType: 'String', StringValue: MAX_RECEIVES_REASON },
          SourceChannel: { DataType: 'String', StringValue: channel },
        }),
      });
      await this.sqs.call('DeleteMessage', { QueueUrl: queues.dlqUrl, ReceiptHandle: message.ReceiptHandle });
      dlqArrivals.inc({ channel, code: MAX_RECEIVES_EXCEEDED });
      if (parsed) report.settled += 1;
      else report.unreadable += 1;
    }
    await this.handBack(queues.dlqUrl, untouched);
    return report;
  }

  /** Receives until `enough`, the queue shows nothing new, or MAX_RECEIVES calls. */
  private async receive(
    queueUrl: string,
    enough: (found: Map<string, SqsMessage>) => boolean,
  ): Promise<Map<string, SqsMessage>> {
    const found = new Map<string, SqsMessage>();
    for (let i = 0; i < MAX_RECEIVES && !enough(found); i++) {
      const out = await this.sqs.call<{ Messages?: SqsMessage[] }>('ReceiveMessage', {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: LOOK_VISIBILITY_SECONDS,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      });
      const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !found.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const m of fresh) found.set(m.MessageId!, m);
    }
    return found;
  }

  /** Makes looked-at messages visible again at once. */
  private async handBack(queueUrl: string, messages: SqsMessage[]): Promise<void> {
    await Promise.all(
      messages.map((m) =>
        this.sqs
          .call('ChangeMessageVisibility', {
            QueueUrl: queueUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })
          // It reappears after LOOK_VISIBILITY_SECONDS anyway.
          .catch(() => undefined),
      ),
    );
  }

  private stillValid(channel: QueueChannel, message: SqsMessage): boolean {
    try {
      parseMessage(channel, message.Body ?? '');
      return true;
    } catch (error) {
      if (error instanceof MessageValidationError || error instanceof MessageNotJsonError) return false;
      throw error;
    }
  }

  /**
   * The message as first sent: body, group and origin id (and trace), without the failure
   * attributes, plus `failure` when given. `purpose` keeps a redrive's and a marking's FIFO
   * deduplication ids apart.
   */
  private copyOf(
    message: SqsMessage,
    purpose: 'redrive' | 'exhausted',
    failure: Record<string, { DataType: string; StringValue: string }> = {},
  ): Record<string, unknown> {
    const attributes: Record<string, { DataType: string; StringValue?: string }> = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {}))
      if (!FAILURE_ATTRIBUTES.has(name))
        attributes[name] = { DataType: value.DataType, StringValue: value.StringValue };
    attributes.OriginMessageId ??= { DataType: 'String', StringValue: message.MessageId };
    Object.assign(attributes, failure);
    const groupId = message.Attributes?.MessageGroupId;
    return {
      MessageBody: message.Body ?? '',
      MessageAttributes: attributes,
      ...(groupId
        ? {
            MessageGroupId: groupId,
            // A second redrive (or marking) of the same dead letter within SQS's 5 minutes is dropped by the queue.
            MessageDeduplicationId: createHash('sha256')
              .update(`${purpose}#${message.MessageId}`)
              .digest('base64url'),
          }
        : {}),
    };
  }

  private view(m: SqsMessage): DeadLetterView {
    const code = m.MessageAttributes?.FailureCode?.StringValue;
    const sent = Number(m.Attributes?.SentTimestamp);
    return {
      messageId: m.MessageId!,
      originMessageId: m.MessageAttributes?.OriginMessageId?.StringValue ?? m.MessageId!,
      failureCode: code ?? MAX_RECEIVES_EXCEEDED,
      failureReason: m.MessageAttributes?.FailureReason?.StringValue ?? MAX_RECEIVES_REASON,
      sentAt: new Date(Number.isFinite(sent) && sent > 0 ? sent : clock.now()).toISOString(),
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
      ids: idsOf(m.Body),
    };
  }
}

// The operator console end to end, in headless Chromium (Debian's, driven by playwright-core):
// an ordinary user's token is refused; an operator sees the queues, a dead letter with its
// recorded reason and redrives it (an unreadable one stays), finds a job with its status history
// and trace, the connections waiting for re-authentication, the KPIs and the flags in force.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ReceiveMessageCommand, SendMessageCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { clock } from '../../core/clock/clock.js';
import { startTraceCollector, type TraceCollector } from '../../infra/local/traces/traceCollector.js';
import { connectedUser, createSyncConfig, requestSync, startE2E, waitForJob, type E2E } from './support.js';

/** Debian's Chromium (make setup installs it); CHROMIUM_PATH for another one. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('operator console (headless Chromium)', function () {
  this.timeout(180_000);
  let e: E2E;
  let collector: TraceCollector;
  let browser: Browser;
  let page: Page;
  let dir: string;

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: run make setup (it installs Debian's chromium)`);
    collector = await startTraceCollector();
    dir = mkdtempSync(join(tmpdir(), 'syncwell-console-'));
    const configFile = join(dir, 'dynamic-config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        flags: { google_health_migration: { enabled: true, percentage: 10, tiers: ['PRO'] } },
      }),
    );
    e = await startE2E({
      TRACES_ENDPOINT: collector.endpoint,
      TRACE_QUERY_URL: collector.queryUrl,
      TRACE_SAMPLE_RATE: '1',
      TRACE_EXPORT_DELAY_MS: '20',
      OPERATIONS_KPI_INTERVAL_SECONDS: '1',
      DYNAMIC_CONFIG_SOURCE: 'file',
      DYNAMIC_CONFIG_FILE: configFile,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await e?.stop();
    await collector?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signIn = async (token: string) => {
    await page.goto(`${e.h.api.url}/console/`);
    await page.fill('#token', token);
    await page.click('#sign-in button[type=submit]');
  };

  it('refuses an ordinary user token: nothing is shown', async () => {
    await signIn(await e.h.token(e.h.newUserId('user')));
    await page.waitForFunction(() => document.querySelector('#status')?.textContent !== '');
    expect(await page.textContent('#status')).to.equal('This token does not have the operator role.');
    expect(await page.isHidden('main')).to.equal(true);
  });

  it('shows an operator the queues, dead letters (with a safe redrive), a traced job, re-auth, KPIs and flags', async () => {
    // A traced, successful manual sync.
    const { userId, token, connections } = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    expect((await waitForJob(e.h, token, jobId)).status).to.equal('SUCCEEDED');
    // A connection whose provider refused the credentials.
    const fitbit = await e.h.connection(userId, 'fitbit');
    await e.h.connections.markNeedsReauth(userId, fitbit.connectionId, clock.date().toISOString());

    // An unreadable message: the worker's runtime sends it to the DLQ with invalid_message.
    const queueUrl = e.h.config.HOT_PATH_QUEUE_URL;
    const dlqUrl = e.h.config.HOT_PATH_DLQ_URL!;
    await e.h.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ userId: 'user-poison', not: 'a job' }),
        MessageGroupId: 'poison',
        MessageDeduplicationId: randomUUID(),
      }),
    );
    await until(async () => (await depth(e, dlqUrl)) === 1, 'the poison message in the DLQ');
    // The worker stops, so what is redriven can be read back from the queue. Its long poll was
    // aborted, but the queue may still hand the next message to it (as SQS does), where it would
    // stay invisible for a minute: a message of its own takes that place first.
    await e.worker!.stop();
    await e.h.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ userId: 'user-flush', not: 'a job' }),
        MessageGroupId: 'flush',
        MessageDeduplicationId: randomUUID(),
      }),
    );
    // A readable one, as the runtime writes a permanent failure.
    const valid = {
      schemaVersion: 1,
      jobId: `job_${randomUUID()}`,
      userId,
      sourceConnectionId: connections.garmin,
      destinationConnectionId: connections.strava,
      sourceProvider: 'garmin',
      destinationProvider: 'strava',
      dataType: 'workout',
      priority: 'medium',
      trigger: 'manual',
      tier: 'FREE',
      requestedAt: clock.date().toISOString(),
    };
    const origin = randomUUID();
    await e.h.sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: JSON.stringify(valid),
        MessageGroupId: `${userId}:g`,
        MessageDeduplicationId: randomUUID(),
        MessageAttributes: {
          OriginMessageId: { DataType: 'String', StringValue: origin },
          FailureCode: { DataType: 'String', StringValue: 'provider_unavailable' },
          FailureReason: { DataType: 'String', StringValue: 'strava answered 503 five times' },
          SourceChannel: { DataType: 'String', StringValue: 'hotPathSync' },
        },
      }),
    );

    const operator = await e.h.token(e.h.newUserId('ops'), { role: 'operator' });
    await signIn(operator);

    // Queues: the hot path with its two dead letters.
    const hotPath = page.locator('#queues tr[data-channel=hotPathSync]');
    await hotPath.waitFor();
    expect(await hotPath.locator('td').nth(5).textContent()).to.equal('2');

    // Dead letters: both, each with its recorded reason and only the ids of its body.
    await hotPath.locator('button').click();
    const rows = page.locator('#dead-letters tbody tr[data-message-id]');
    await until(async () => (await rows.count()) === 2, 'two dead letters listed');
    const text = await page.textContent('#dead-letters tbody');
    expect(text).to.include('invalid_message').and.include('provider_unavailable');
    expect(text).to.include('strava answered 503 five times').and.include(`jobId=${valid.jobId}`);
    expect(text, 'no body field other than ids').not.to.include('a job');

    // Redrive both: the readable one goes back to the queue, the unreadable one stays.
    await rows.locator('input[type=checkbox]').first().check();
    await rows.locator('input[type=checkbox]').nth(1).check();
    await page.click('#redrive');
    await page.waitForFunction(() =>
      /Redriven/.test(document.querySelector('#dead-letters .result')?.textContent ?? ''),
    );
    const result = await page.textContent('#dead-letters .result');
    expect(result).to.match(/^Redriven: 1\. Left in the DLQ: .+: still_invalid\.$/);
    await until(async () => (await rows.count()) === 1, 'one dead letter left');
    expect(await page.textContent('#dead-letters tbody')).to.include('invalid_message');
    const back = await e.h.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
        MessageAttributeNames: ['All'],
      }),
    );
    const redriven = (back.Messages ?? []).find((m) => m.Body === JSON.stringify(valid));
    expect(redriven, 'the message is back in the hot-path queue').to.not.equal(undefined);
    expect(redriven!.MessageAttributes?.OriginMessageId?.StringValue).to.equal(origin);
    expect(redriven!.MessageAttributes).not.to.have.property('FailureCode');

    // Job lookup: history and trace.
    await page.fill('#job-lookup input[name=userId]', userId);
    await page.fill('#job-lookup input[name=jobId]', jobId);
    await page.click('#job-lookup button');
    await page.locator('#jobs .spans').waitFor();
    const job = await page.textContent(`#jobs tr[data-job-id="${jobId}"]`);
    expect(job).to.include('SUCCEEDED').and.include('QUEUED → RUNNING → SUCCEEDED');
    expect(await page.textContent('#jobs .trace')).to.match(/^Trace [0-9a-f]{32}$/);
    const spans = await page.textContent('#jobs .spans');
    expect(spans)
      .to.include('POST /v1/sync-jobs')
      .and.include('hotPathSync process')
      .and.include('strava POST');

    // Re-authentication, flags.
    expect(await page.textContent('#reauth tbody'))
      .to.include(fitbit.connectionId)
      .and.include('pending_user_action');
    const flag = await page.textContent('#configuration tr[data-flag=google_health_migration]');
    expect(flag).to.include('on').and.include('10 %').and.include('PRO');
    expect(await page.textContent('#configuration .summary')).to.match(/^Source file, version /);

    // KPIs: a sample (one a second here) counted the sync; refresh until it shows.
    await until(async () => {
      await page.click('[data-refresh=kpis]');
      await page.waitForTimeout(200);
      return (await page.textContent('#kpis tbody'))!.includes('100.0 %');
    }, 'a KPI sample with the sync');
  });
});

async function depth(e: E2E, queueUrl: string): Promise<number> {
  const out = await e.h.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

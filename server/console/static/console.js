// The operator console's page logic: calls the `operations` API (contracts/openapi.yaml) with the
// operator's ID token and renders what it answers. Every value goes in through textContent, never
// as HTML: dead-letter reasons and ids come from messages anyone could have sent.
const TOKEN_KEY = 'syncwell.operatorToken';
const $ = (selector, root = document) => root.querySelector(selector);

function cell(row, value, className) {
  const td = document.createElement('td');
  td.textContent = value === null || value === undefined ? '—' : String(value);
  if (className) td.className = className;
  row.append(td);
  return td;
}

function fill(tbody, items, render) {
  tbody.replaceChildren();
  for (const item of items) {
    const row = document.createElement('tr');
    render(row, item);
    tbody.append(row);
  }
  if (items.length === 0) {
    const row = document.createElement('tr');
    cell(row, 'none').colSpan = 12;
    tbody.append(row);
  }
}

const percent = (rate) => (rate === null ? null : `${(rate * 100).toFixed(1)} %`);
const seconds = (s) => (s === null ? null : `${s.toFixed(2)} s`);

function say(text, isError = false) {
  const status = $('#status');
  status.textContent = text;
  status.className = isError ? 'error' : '';
}

class ApiError extends Error {
  constructor(problem) {
    super(problem.detail ?? problem.title ?? 'request failed');
    this.code = problem.code;
    this.status = problem.status;
  }
}

async function api(path, init = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError({ status: res.status, ...body });
  return body;
}

async function loadQueues() {
  const { queues } = await api('/v1/operations/queues');
  fill($('#queues tbody'), queues, (row, q) => {
    row.dataset.channel = q.channel;
    cell(row, q.channel);
    cell(row, q.queueName);
    cell(row, q.visible);
    cell(row, q.inFlight);
    cell(row, q.delayed);
    cell(row, q.deadLetters, q.deadLetters > 0 ? 'failed' : '');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Dead letters';
    button.addEventListener('click', () => run(() => loadDeadLetters(q.channel)));
    row.append(document.createElement('td'));
    row.lastChild.append(button);
  });
}

async function loadDeadLetters(channel) {
  const section = $('#dead-letters');
  section.hidden = false;
  section.dataset.channel = channel;
  $('.channel', section).textContent = channel;
  const { messages } = await api(`/v1/operations/dead-letters/${encodeURIComponent(channel)}?limit=50`);
  fill($('tbody', section), messages, (row, m) => {
    row.dataset.messageId = m.messageId;
    const pick = document.createElement('input');
    pick.type = 'checkbox';
    pick.value = m.messageId;
    pick.setAttribute('aria-label', `select ${m.messageId}`);
    row.append(document.createElement('td'));
    row.lastChild.append(pick);
    cell(row, m.messageId);
    cell(row, m.failureCode, 'failed');
    cell(row, m.failureReason);
    cell(
      row,
      Object.entries(m.ids)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    );
    cell(row, m.sentAt);
    cell(row, m.receiveCount);
  });
}

async function redrive() {
  const section = $('#dead-letters');
  const channel = section.dataset.channel;
  const messageIds = [...section.querySelectorAll('tbody input:checked')].map((i) => i.value);
  if (messageIds.length === 0) return say('Select the messages to redrive first.', true);
  const result = await api(`/v1/operations/dead-letters/${encodeURIComponent(channel)}/redrive`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ messageIds: messageIds.slice(0, 10) }),
  });
  const skipped = result.skipped.map((s) => `${s.messageId}: ${s.reason}`).join(', ');
  $('.result', section).textContent =
    `Redriven: ${result.redriven.length}.` + (skipped ? ` Left in the DLQ: ${skipped}.` : '');
  await Promise.all([loadDeadLetters(channel), loadQueues()]);
}

function jobTable(jobs) {
  const table = document.createElement('table');
  table.className = 'jobs';
  const head = document.createElement('tr');
  for (const h of ['Job', 'Status', 'Trigger', 'Data type', 'Created', 'History'])
    head.append(Object.assign(document.createElement('th'), { textContent: h }));
  table.append(head);
  for (const job of jobs) {
    const row = document.createElement('tr');
    row.dataset.jobId = job.jobId;
    cell(row, job.jobId);
    cell(row, job.status, job.status === 'FAILED' ? 'failed' : '');
    cell(row, job.trigger);
    cell(row, job.dataType);
    cell(row, job.createdAt);
    cell(row, job.history.map((h) => (h.code ? `${h.status} (${h.code})` : h.status)).join(' → '));
    table.append(row);
  }
  return table;
}

function spanTable(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const depth = (s) => (s.parentSpanId && byId.has(s.parentSpanId) ? 1 + depth(byId.get(s.parentSpanId)) : 0);
  const table = document.createElement('table');
  table.className = 'spans';
  const head = document.createElement('tr');
  for (const h of ['Span', 'Service', 'Duration', 'Result'])
    head.append(Object.assign(document.createElement('th'), { textContent: h }));
  table.append(head);
  for (const s of spans) {
    const row = document.createElement('tr');
    cell(row, `${'  '.repeat(depth(s))}${s.name}`);
    cell(row, s.service);
    cell(row, `${s.durationMs.toFixed(1)} ms`);
    const status = s.attributes['http.response.status_code'] ?? s.attributes['syncwell.outcome'] ?? '';
    cell(row, s.error ? `error ${status}` : status, s.error ? 'failed' : '');
    table.append(row);
  }
  return table;
}

async function lookUpJob(form) {
  const userId = form.userId.value.trim();
  const jobId = form.jobId.value.trim();
  const out = $('#jobs .result');
  out.replaceChildren();
  const user = encodeURIComponent(userId);
  if (!jobId) {
    const { syncJobs } = await api(`/v1/operations/users/${user}/sync-jobs?limit=20`);
    out.append(jobTable(syncJobs));
    return;
  }
  const { job, trace } = await api(`/v1/operations/users/${user}/sync-jobs/${encodeURIComponent(jobId)}`);
  out.append(jobTable([job]));
  if (job.error)
    out.append(
      Object.assign(document.createElement('p'), {
        className: 'failed',
        textContent: `${job.error.code}: ${job.error.message}`,
      }),
    );
  const traceLine = document.createElement('p');
  traceLine.className = 'trace';
  traceLine.textContent = trace ? `Trace ${trace.traceId}` : 'This job was not traced (sampling).';
  out.append(traceLine);
  if (trace?.spans) out.append(spanTable(trace.spans));
}

async function loadReAuth() {
  const { connections } = await api('/v1/operations/reauth-connections?limit=100');
  fill($('#reauth tbody'), connections, (row, c) => {
    cell(row, c.userId);
    cell(row, c.connectionId);
    cell(row, c.provider);
    cell(row, c.state);
    cell(row, c.since);
    cell(row, c.notifiedAt);
  });
}

async function loadKpis() {
  const { intervalSeconds, samples } = await api('/v1/operations/kpis');
  $('#kpis .interval').textContent =
    `One row per ${intervalSeconds} s, newest first (this process's registry).`;
  fill($('#kpis tbody'), [...samples].reverse(), (row, k) => {
    cell(row, k.at);
    cell(row, k.syncSucceeded);
    cell(row, k.syncFailed, k.syncFailed > 0 ? 'failed' : '');
    cell(row, percent(k.syncSuccessRate));
    cell(row, seconds(k.manualLatencyP95Seconds));
    cell(row, k.dlqArrivals, k.dlqArrivals > 0 ? 'failed' : '');
    cell(row, k.rateLimitDeferrals);
    cell(row, k.idempotencyCollisions);
    cell(row, k.hotPathVisible);
  });
}

async function loadConfiguration() {
  const c = await api('/v1/operations/configuration');
  $('#configuration .summary').textContent =
    `Source ${c.source}, version ${c.version ?? 'none'}` +
    (c.degraded ? ' — DEGRADED: bundled safe defaults' : '');
  fill($('#configuration tbody'), c.flags, (row, f) => {
    row.dataset.flag = f.name;
    cell(row, f.name);
    cell(row, f.enabled ? 'on' : 'off');
    cell(row, `${f.percentage} %`);
    cell(row, f.tiers ? f.tiers.join(', ') : 'all');
    cell(row, f.allowlisted);
  });
  $('#configuration .document').textContent = JSON.stringify(c.document, null, 2);
}

const LOADERS = { queues: loadQueues, reauth: loadReAuth, kpis: loadKpis, configuration: loadConfiguration };

/** Runs an action and says how it went; a refused token signs the operator out. */
async function run(action) {
  try {
    await action();
    say('');
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      sessionStorage.removeItem(TOKEN_KEY);
      $('main').hidden = true;
      return say(
        error.status === 403
          ? 'This token does not have the operator role.'
          : 'Sign in again: the token was refused.',
        true,
      );
    }
    say(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error), true);
  }
}

async function showAll() {
  // The first call checks the token; the rest load together.
  await loadQueues();
  $('main').hidden = false;
  await Promise.all([loadReAuth(), loadKpis(), loadConfiguration()]);
}

document.addEventListener('DOMContentLoaded', () => {
  $('#sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token').value.trim());
    $('#token').value = '';
    void run(showAll);
  });
  $('#sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $('main').hidden = true;
    say('Signed out.');
  });
  for (const button of document.querySelectorAll('[data-refresh]'))
    button.addEventListener('click', () => void run(LOADERS[button.dataset.refresh]));
  $('#redrive').addEventListener('click', () => void run(redrive));
  $('#job-lookup').addEventListener('submit', (event) => {
    event.preventDefault();
    void run(() => lookUpJob(event.target));
  });
  if (sessionStorage.getItem(TOKEN_KEY)) void run(showAll);
});

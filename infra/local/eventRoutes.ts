// EventBridge has no emulator here: the local event bus adapter does what the rules of
// infra/terraform/events.tf do (core/events/eventRoutes.ts). This check keeps the two the same: the
// local stack refuses to start when a Terraform rule has no local route, or a route's event pattern,
// input path or target queue differ from its rule's.
import stringify from 'safe-stable-stringify';
import { queueChannels } from '../../generated/channels.gen.js';
import { EVENT_ROUTES, type EventRoute } from '../../core/events/eventRoutes.js';
import type { QueueModel, TerraformModel } from './terraform.js';

/** Every difference between Terraform's event rules and the local routes, one line each. */
export function eventRouteDifferences(
  model: Pick<TerraformModel, 'eventRoutes' | 'queues'>,
  routes: readonly EventRoute[] = EVENT_ROUTES,
): string[] {
  const problems: string[] = [];
  const queueOf = new Map<string, QueueModel>(model.queues.map((q) => [q.resourceName, q]));
  for (const rule of model.eventRoutes) {
    const local = routes.find((r) => r.rule === rule.ruleName);
    if (!local) {
      problems.push(`rule ${rule.ruleName} has no local route in core/events/eventRoutes.ts`);
      continue;
    }
    const where = `rule ${rule.ruleName}`;
    // Key order aside, the same document (a list's order is kept: EventBridge reads it as a set,
    // but a reordered copy is still worth one line of difference).
    if (stringify(rule.pattern) !== stringify(local.pattern))
      problems.push(
        `${where} matches ${stringify(rule.pattern)}, the local route ${stringify(local.pattern)}`,
      );
    if (rule.inputPath !== local.inputPath)
      problems.push(
        `${where} delivers ${rule.inputPath ?? 'the whole event'}, the local route ${local.inputPath}`,
      );
    const queue = queueOf.get(rule.targetQueueResourceName)?.name;
    const expected = queueChannels[local.channel].queueName;
    if (queue !== expected) problems.push(`${where} targets ${queue}, the local route ${expected}`);
  }
  for (const route of routes)
    if (!model.eventRoutes.some((r) => r.ruleName === route.rule))
      problems.push(`the local route ${route.rule} has no rule in infra/terraform`);
  return problems;
}

export function assertEventRoutesMatch(model: Pick<TerraformModel, 'eventRoutes' | 'queues'>): void {
  const problems = eventRouteDifferences(model);
  if (problems.length > 0)
    throw new Error(
      `the local event bus would not do what infra/terraform's rules do:\n  ${problems.join('\n  ')}`,
    );
}

// The local event bus routes sync events as infra/terraform's EventBridge rules do, and the check
// the local stack runs at start-up names every way the two could drift apart.
import { expect } from 'chai';
import { eventRouteDifferences } from './eventRoutes.js';
import { loadTerraformResources, type TerraformModel } from './terraform.js';

describe('infra/local/eventRoutes: Terraform rules against the local event bus', () => {
  let model: TerraformModel;
  before(async () => {
    model = await loadTerraformResources();
  });

  it('finds no difference in the repository as it is', () => {
    expect(model.eventRoutes).to.have.length(1);
    expect(eventRouteDifferences(model)).to.deep.equal([]);
  });

  it('names each difference: events, input path, target queue, a rule or a route on one side only', () => {
    const [rule] = model.eventRoutes;
    const drifted: Pick<TerraformModel, 'eventRoutes' | 'queues'> = {
      queues: model.queues,
      eventRoutes: [
        {
          ...rule!,
          pattern: { ...rule!.pattern, 'detail-type': ['SyncFailed'] },
          targetQueueResourceName: 'export',
        },
        { ...rule!, ruleName: 'syncwell-analytics', inputPath: undefined },
      ],
    };
    const problems = eventRouteDifferences(drifted);
    expect(problems[0]).to.match(
      /^rule syncwell-sync-notifications matches \{.*"detail-type":\["SyncFailed"\].*\}, the local route \{.*"detail-type":\["SyncSucceeded","SyncFailed"\]/,
    );
    expect(problems.slice(1)).to.deep.equal([
      'rule syncwell-sync-notifications targets syncwell-export, the local route syncwell-sync-notifications',
      'rule syncwell-analytics has no local route in core/events/eventRoutes.ts',
    ]);
    const { inputPath: _dropped, ...wholeEvent } = rule!;
    expect(eventRouteDifferences({ queues: model.queues, eventRoutes: [wholeEvent] })).to.deep.equal([
      'rule syncwell-sync-notifications delivers the whole event, the local route $.detail',
    ]);
    expect(eventRouteDifferences({ queues: model.queues, eventRoutes: [] })).to.deep.equal([
      'the local route syncwell-sync-notifications has no rule in infra/terraform',
    ]);
  });
});

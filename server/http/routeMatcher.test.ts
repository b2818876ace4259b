import { expect } from 'chai';
import { RouteMatcher } from './routeMatcher.js';
import { loadRouteTable } from './routeTable.js';

describe('RouteMatcher', () => {
  const matcher = new RouteMatcher(loadRouteTable());

  it('finds static and templated operations and decodes path parameters', () => {
    const list = matcher.match('GET', '/v1/sync-jobs');
    expect(list.kind === 'found' && list.route.operationId).to.equal('listSyncJobs');
    const one = matcher.match('GET', '/v1/sync-jobs/job_a%2Fb');
    expect(one).to.deep.include({ kind: 'found', params: { jobId: 'job_a/b' } });
    const oauth = matcher.match('GET', '/v1/oauth/strava/callback');
    expect(oauth.kind === 'found' && oauth.params).to.deep.equal({ provider: 'strava' });
  });

  it('tells a wrong method from an unknown path, and lists the allowed methods', () => {
    expect(matcher.match('PUT', '/v1/connections')).to.deep.equal({
      kind: 'method_not_allowed',
      allowed: ['GET', 'POST'],
    });
    expect(matcher.match('GET', '/v1/nothing')).to.deep.equal({ kind: 'none' });
    expect(matcher.match('GET', '/v1/sync-jobs/a/b').kind).to.equal('none');
  });

  it('treats malformed percent-encoding as no match instead of throwing', () => {
    expect(matcher.match('GET', '/v1/sync-jobs/%E0%A4%A').kind).to.equal('none');
  });
});

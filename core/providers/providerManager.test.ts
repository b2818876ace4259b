import { expect } from 'chai';
import { CLOUD_PROVIDERS, cloudProfile, isPolled } from './profiles.js';
import { DEFAULT_REGISTRY, ProviderManager } from './providerManager.js';

describe('ProviderManager', () => {
  it('has a DataProvider for every cloud profile, stating what the profile states', () => {
    expect(Object.keys(DEFAULT_REGISTRY)).to.have.members([...CLOUD_PROVIDERS]);
    const manager = new ProviderManager();
    for (const provider of CLOUD_PROVIDERS) {
      const instance = manager.get(provider)!;
      expect(instance.id).to.equal(provider);
      expect(instance.capabilities).to.equal(cloudProfile(provider).capabilities);
      expect(instance.changeNotifications).to.equal(isPolled(provider) ? 'poll' : 'webhook');
    }
    expect(manager.get('apple_health')).to.equal(undefined);
  });
});

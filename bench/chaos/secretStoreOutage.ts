// The secret store unavailable (seed §3b, T-002): the local store's directory is swapped for a
// plain file, so every read fails as an outage does (ENOTDIR: SecureStorageUnavailableError, not
// "no such secret", which would mark connections for re-authorization). One worker is killed as the
// outage starts, so its replacement begins with an empty credential cache: warm workers keep
// syncing the connections they have cached (5 minutes, core/sync/credentials.ts), the cold one's
// jobs wait and retry (credentials_unavailable) until the store is back.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Experiment } from './experiment.js';

export const secretStoreOutage: Experiment = {
  name: 'secret-store-outage',
  title: 'secret store unavailable (one worker restarted cold)',
  inject({ fleet, random }) {
    const away = `${fleet.secretDir}.away`;
    renameSync(fleet.secretDir, away);
    writeFileSync(fleet.secretDir, 'the chaos suite made the secret store unavailable\n');
    const cold = random.fork('secret-store').int(0, fleet.workers.length - 1);
    fleet.kill(cold);
    return Promise.resolve({
      end() {
        rmSync(fleet.secretDir);
        renameSync(away, fleet.secretDir);
        return Promise.resolve();
      },
      details: () => ({ coldWorker: cold }),
    });
  },
};

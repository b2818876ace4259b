// `npm run -s env`: where the running local system is, as shell assignments, so the README's
// commands work on any port: eval "$(npm run -s env)" sets API and SANDBOX (sh, bash, zsh).
import { readRuntimeState } from './runtimeState.js';

try {
  const state = readRuntimeState();
  const lines = {
    API: state.apiUrl,
    SANDBOX: state.env.PROVIDER_SANDBOX_URL,
  };
  for (const [name, value] of Object.entries(lines)) process.stdout.write(`export ${name}='${value}'\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

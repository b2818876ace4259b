// CLI: prints a dev ID token for a user (verifiable against the local stack's JWKS_URL).
//   npm run token -- <userId> [--tier PRO|FREE] [--operator] [--email e] [--expires-in seconds]
import { parseArgs } from 'node:util';
import { USER_ID_PATTERN, mintDevToken, type Tier } from './devIssuer.js';

const USAGE = `usage: npm run token -- <userId> [--tier PRO|FREE] [--operator] [--email <email>] [--expires-in <seconds>]
  userId must match ${USER_ID_PATTERN}; --operator adds the role claim the operator console needs;
  prints only the token on stdout.`;

function usage(problem: string): never {
  process.stderr.write(`${problem}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: string[]): {
  userId: string;
  tier?: Tier;
  role?: 'operator';
  email?: string;
  expiresInSeconds: number;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        tier: { type: 'string' },
        operator: { type: 'boolean' },
        email: { type: 'string' },
        'expires-in': { type: 'string' },
      },
    });
  } catch (err) {
    usage((err as Error).message);
  }
  const { positionals, values } = parsed;
  const [userId] = positionals;
  if (positionals.length !== 1 || userId === undefined) usage('expected exactly one <userId>');
  if (!USER_ID_PATTERN.test(userId)) usage(`invalid userId ${JSON.stringify(userId)}`);
  const tier = values.tier;
  if (tier !== undefined && tier !== 'PRO' && tier !== 'FREE') usage(`--tier must be PRO or FREE`);
  const expiresIn = values['expires-in'] ?? '3600';
  if (!/^[1-9][0-9]{0,8}$/.test(expiresIn)) usage('--expires-in must be a positive number of seconds');
  if (values.email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(values.email))
    usage('--email is not an address');
  return {
    userId,
    tier,
    ...(values.operator ? { role: 'operator' as const } : {}),
    email: values.email,
    expiresInSeconds: Number(expiresIn),
  };
}

const { userId, ...options } = parse(process.argv.slice(2));
process.stdout.write(`${await mintDevToken(userId, options)}\n`);

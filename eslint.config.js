// One lint configuration for the whole repository (typescript-eslint, type-aware rules where cheap).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'generated/**',
      'dist/**',
      '.state/**',
      'client-sdk/dist/**',
      'client-sdk/src/generated/**',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through core/config (the only reader of process.env).',
        },
      ],
    },
  },
  {
    // The operator console's page runs in the browser.
    files: ['server/console/static/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        crypto: 'readonly',
      },
    },
  },
  {
    // Layering: core never imports server or worker.
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/server/**', '**/worker/**'], message: 'core must not import server or worker.' },
          ],
        },
      ],
    },
  },
  {
    // Entry points, scripts and tooling may print and read the environment they are started with.
    files: [
      'infra/**/*.ts',
      'scripts/**/*.ts',
      'bench/**/*.ts',
      'core/config/**/*.ts',
      'pact/**/*.ts',
      'test/**/*.ts',
    ],
    rules: { 'no-console': 'off', 'no-restricted-syntax': 'off' },
  },
  // ProviderTokens (core/secrets/providerTokens.ts): token material leaves the class only through
  // these named methods, and only in the modules that must handle it (spec §2: enforced at build
  // time). Any reference counts, not only a call: `t.revealAccessToken.call(...)`, `t['sealForStorage']()`
  // and destructuring would otherwise slip through. no-restricted-syntax options do not merge across
  // blocks, so the first block repeats the process.env rule, and the second (tooling, where that rule
  // is off) carries the token rule alone.
  ...(() => {
    const names = '/^(revealAccessToken|revealRefreshToken|sealForStorage|unsealFromStorage)$/';
    const message =
      'Token material stays in core/secrets, core/oauth, core/providers/providerHttp.ts and core/sync/credentials*.ts.';
    const tokenRules = [
      { selector: `MemberExpression[property.name=${names}]`, message },
      { selector: `MemberExpression[computed=true][property.value=${names}]`, message },
      { selector: `ObjectPattern > Property[key.name=${names}]`, message },
    ];
    const allowed = [
      'core/secrets/**',
      'core/oauth/**',
      'core/providers/providerHttp.ts',
      'core/sync/credentials*.ts',
      '**/*.test.ts',
    ];
    const tooling = [
      'infra/**/*.ts',
      'scripts/**/*.ts',
      'bench/**/*.ts',
      'core/config/**/*.ts',
      'pact/**/*.ts',
      'test/**/*.ts',
    ];
    const envRule = {
      selector: "MemberExpression[object.name='process'][property.name='env']",
      message: 'Read configuration through core/config (the only reader of process.env).',
    };
    // Everything that runs as part of the system reads the time from core/clock, so tests and the
    // date matrix can run it at any date (tests, benchmarks and scripts measure real time).
    const clockMessage = 'Read the current time from core/clock/clock.ts (clock.now(), clock.date()).';
    const clockRules = [
      // Date.now called, or handed on as a function (a default `now` option reads it all the same).
      { selector: "MemberExpression[object.name='Date'][property.name='now']", message: clockMessage },
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: clockMessage },
    ];
    const system = ['core/**/*.ts', 'worker/**/*.ts', 'server/**/*.ts', 'infra/**/*.ts'];
    const notSystem = ['**/*.test.ts', 'core/config/**'];
    const datedSuites = [
      'test/e2e/**/*.ts',
      'test/integration/**/*.ts',
      'test/support/**/*.ts',
      'pact/**/*.ts',
    ];
    return [
      {
        files: ['**/*.ts', '**/*.js', '**/*.mjs'],
        ignores: [...allowed, ...tooling],
        rules: { 'no-restricted-syntax': ['error', envRule, ...tokenRules] },
      },
      { files: tooling, ignores: allowed, rules: { 'no-restricted-syntax': ['error', ...tokenRules] } },
      {
        files: system,
        ignores: [...allowed, ...tooling, ...notSystem],
        rules: { 'no-restricted-syntax': ['error', envRule, ...tokenRules, ...clockRules] },
      },
      {
        files: allowed.filter((f) => f !== '**/*.test.ts'),
        ignores: notSystem,
        rules: { 'no-restricted-syntax': ['error', envRule, ...clockRules] },
      },
      {
        files: ['infra/**/*.ts'],
        ignores: [...allowed, ...notSystem],
        rules: { 'no-restricted-syntax': ['error', ...tokenRules, ...clockRules] },
      },
      // The suites that run the system at fixed dates (`npm run test:dates`) share its clock too.
      {
        files: datedSuites,
        ignores: allowed,
        rules: { 'no-restricted-syntax': ['error', ...tokenRules, ...clockRules] },
      },
      {
        files: datedSuites.map((d) => d.replace('*.ts', '*.test.ts')),
        rules: { 'no-restricted-syntax': ['error', ...clockRules] },
      },
    ];
  })(),
);

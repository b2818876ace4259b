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
);

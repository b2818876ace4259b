// Import rules (npm run check:imports, part of npm test): server/ and worker/ depend on core/,
// core/ on generated/, never back, and nothing imports in a circle. Tests may import anything.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: split the module or move the shared part down to core/.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-below-server-and-worker',
      severity: 'error',
      comment: 'core/ is shared by the API and the worker: it must not know either (nor the tooling).',
      from: { path: '^core/' },
      to: { path: '^(server|worker|infra|bench|pact|scripts|test)/' },
    },
    {
      name: 'generated-imports-only-generated',
      severity: 'error',
      from: { path: '^generated/' },
      to: { pathNot: '^generated/' },
    },
    {
      name: 'server-and-worker-are-apart',
      severity: 'error',
      comment: 'What both need belongs in core/.',
      from: { path: '^server/' },
      to: { path: '^worker/' },
    },
    {
      name: 'worker-and-server-are-apart',
      severity: 'error',
      from: { path: '^worker/' },
      to: { path: '^server/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

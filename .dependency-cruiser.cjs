/**
 * The layers of docs/architecture.md, checked by `npm run lint`:
 * cli -> core (drill, faults, cluster, observe, workload, report, scenario)
 * -> nodes/hosts -> real processes. Core code never imports src/cli or
 * src/ui (it returns plain objects; they render them), and no module
 * imports itself through a cycle.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles make load order matter and hide what depends on what.',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'core-not-cli',
      severity: 'error',
      comment: 'Only src/cli wires commands; core code is called by it, never the other way.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'core-not-ui',
      severity: 'error',
      comment: 'Core code returns data; src/ui renders it. Only src/cli may import src/ui.',
      from: { path: '^src/', pathNot: '^src/(cli|ui)/' },
      to: { path: '^src/ui/' },
    },
    {
      name: 'low-layers-stay-low',
      severity: 'error',
      comment: 'Processes and hosts know nothing of clusters, drills or reports.',
      from: { path: '^src/(hosts|nodes|util)/' },
      to: { path: '^src/(cluster|drill|faults|observe|workload|report|scenario)/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports is dead code (a worker thread entry is loaded by its path instead).',
      from: {
        orphan: true,
        path: '^src/',
        pathNot: '^src/cli/main\\.ts$|\\.d\\.ts$|^src/instruments/(worker|witness)\\.ts$',
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

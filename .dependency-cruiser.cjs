/**
 * The house's layers, checked in `npm run lint` (lint:deps): a module imports from its own layer or below,
 * never above, and there is no import circle. A module in no layer fails too, so a new folder is placed on
 * purpose. The layers, lowest first:
 */
const SRC_LAYERS = [
  // What everything may use: time and retries, the exit-code table, redaction, plurals, an error's payload.
  ['src/retry/', 'src/exit-codes\\.ts$', 'src/output/(redact|plural|error-payload)\\.ts$'],
  // A connection that rides out an outage; redirects; raw HTTP.
  ['src/connection/'],
  // Keys and certificates; OAuth token requests and their diagnosis; files written safely, the CI files, the CI's
  // secret stores (GitHub, GitLab).
  ['src/certificate/', 'src/oauth/', 'src/output/(files|ci)\\.ts$', 'src/ci-secrets/'],
  // The gateway to the org: the Metadata API, queries, inserts.
  ['src/org/'],
  // What an org holds: the app kinds, access (permission sets, assignments), users.
  ['src/apps/', 'src/access/', 'src/users/'],
  // The workflows: setup, cert rotate, audit, the username-password flow's retirement.
  ['src/setup/', 'src/rotate/', 'src/audit/', 'src/password-flow/'],
  // What commands share: the base command, flags, errors every command answers alike, the exit codes' help.
  ['src/cli/'],
  // The commands, and the package's entry.
  ['src/commands/', 'src/index\\.ts$'],
];

/** The loopback org emulator (test/emulator), the same way. */
const EMULATOR_LAYERS = [
  // The wire and the basics: HTTP, SOAP envelopes, ids, faults, the generated Metadata API types.
  ['test/emulator/(http|soap|ids|faults|metadata-types)\\.ts$', 'test/emulator/schema/'],
  // The org's state and its queries (SOQL), its apps, its naming rules, Metadata XML decoding.
  ['test/emulator/(org|soql|apps|names|metadata-xml)\\.ts$'],
  // Rules and stores: app rules, components, credentials, a Dev Hub's scratch org signups.
  ['test/emulator/(app-rules|components|credentials|scratch)\\.ts$'],
  // The APIs an org answers: OAuth (and its usage), REST, the Metadata API and its deploys.
  ['test/emulator/(oauth|usage|rest|metadata|deploy|retrieve)\\.ts$'],
  // The server, and the org it is seeded with.
  ['test/emulator/(server|seed)\\.ts$'],
  // The command line that starts it, and its tests.
  ['test/emulator/main\\.ts$', 'test/emulator/.*\\.test\\.ts$'],
];

const join = (patterns) => `(${patterns.join('|')})`;

const upward = (layers, area) =>
  layers.slice(0, -1).map((layer, i) => ({
    name: `${area}-layer-${i + 1}-imports-upward`,
    comment: `${area}: a module of layer ${i + 1} imports from a higher layer (.dependency-cruiser.cjs lists them).`,
    severity: 'error',
    from: { path: join(layer) },
    to: { path: join(layers.slice(i + 1).flat()) },
  }));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import circle: two modules that cannot be understood (or loaded) one without the other.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward(SRC_LAYERS, 'src'),
    ...upward(EMULATOR_LAYERS, 'emulator'),
    {
      name: 'every-module-in-a-layer',
      comment: 'A module no layer names: place it in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^(src|test/emulator)/', pathNot: join([...SRC_LAYERS.flat(), ...EMULATOR_LAYERS.flat()]) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'test/emulator/schema/generated' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

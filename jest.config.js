// Tests are compiled by `tsc` first (make build) and jest runs the emitted ESM JavaScript:
// libp2p and @kubernetes/client-node are ESM-only, so jest runs with --experimental-vm-modules.
// LATTICE_DIST points jest at another compile output (parallel work trees, CI).
const dist = process.env.LATTICE_DIST ?? '<rootDir>/dist'

export default {
  // Node's environment plus automatic failure dumps (namespace, logs, data dirs) and kept
  // directories of failed tests: packages/testkit/src/jest/environment.ts.
  testEnvironment: `${dist}/packages/testkit/src/jest/environment.js`,
  rootDir: process.cwd(),
  roots: [dist],
  testMatch: ['**/*.test.js'],
  transform: {},
  snapshotResolver: '<rootDir>/jest.snapshot-resolver.js',
  // Integration tests start real processes and servers; two cores: keep parallelism modest.
  maxWorkers: 2,
  testTimeout: 60000,
  verbose: true,
}

// Tests are compiled by `tsc` first (make build) and jest runs the emitted ESM JavaScript:
// libp2p and @kubernetes/client-node are ESM-only, so jest runs with --experimental-vm-modules.
// LATTICE_DIST points jest at another compile output (parallel work trees, CI).
export default {
  testEnvironment: 'node',
  rootDir: process.cwd(),
  roots: [process.env.LATTICE_DIST ?? '<rootDir>/dist'],
  testMatch: ['**/*.test.js'],
  transform: {},
  snapshotResolver: '<rootDir>/jest.snapshot-resolver.js',
  // Integration tests start real processes and servers; two cores: keep parallelism modest.
  maxWorkers: 2,
  testTimeout: 60000,
  verbose: true,
}

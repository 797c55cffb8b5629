// Tests are compiled by `tsc` first (make build) and jest runs the emitted ESM JavaScript:
// libp2p and @kubernetes/client-node are ESM-only, so jest runs with --experimental-vm-modules.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist'],
  testMatch: ['**/*.test.js'],
  transform: {},
  // Integration tests start real processes and servers; two cores: keep parallelism modest.
  maxWorkers: 2,
  testTimeout: 60000,
  verbose: true,
}

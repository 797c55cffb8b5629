// Tests run from the compile output (dist/…/*.test.js); their snapshots live beside the TypeScript
// sources (…/__snapshots__/*.test.ts.snap) so they are committed and reviewed with the code.
import path from 'node:path'

const root = process.cwd()
const dist = path.resolve(process.env.LATTICE_DIST ?? path.join(root, 'dist'))

export default {
  resolveSnapshotPath (testPath, extension) {
    const rel = path.relative(dist, testPath)
    return path.join(root, path.dirname(rel), '__snapshots__', path.basename(rel).replace(/\.js$/, '.ts') + extension)
  },
  resolveTestPath (snapshotPath, extension) {
    const rel = path.relative(root, snapshotPath)
    const dir = path.dirname(path.dirname(rel))
    return path.join(dist, dir, path.basename(rel, extension).replace(/\.ts$/, '.js'))
  },
  testPathForConsistencyCheck: path.join(dist, 'node', 'src', 'example.test.js')
}

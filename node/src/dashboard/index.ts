export { createDashboard, defaultWebDir } from './dashboard.js'
export { createTimelineSampler, DEFAULT_CHECK_INTERVAL_MS, DEFAULT_SAMPLE_INTERVAL_MS, DEFAULT_WINDOW_MS } from './sampler.js'
export { DashboardAssetsMissingError } from './errors.js'
export type * from './interface.js'

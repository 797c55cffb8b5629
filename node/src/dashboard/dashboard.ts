import { fileURLToPath } from 'node:url'
import { createTimelineSampler } from './sampler.js'
import type { Dashboard, DashboardComponents, DashboardInit, Timeline, TimelineSampler } from './interface.js'

/** Where the dashboard's web build puts the page: `web/` beside this module in the compile output. */
export function defaultWebDir (): string {
  return fileURLToPath(new URL('./web/', import.meta.url))
}

class DefaultDashboard implements Dashboard {
  readonly webDir: string
  private readonly sampler: TimelineSampler

  constructor (init: DashboardInit, components: DashboardComponents) {
    this.sampler = createTimelineSampler(init, components)
    this.webDir = init.webDir ?? defaultWebDir()
  }

  start (): void {
    this.sampler.start()
  }

  stop (): void {
    this.sampler.stop()
  }

  timeline (): Timeline {
    return this.sampler.timeline()
  }
}

export function createDashboard (init: DashboardInit, components: DashboardComponents): Dashboard {
  return new DefaultDashboard(init, components)
}

import { fileURLToPath } from 'node:url'
import { createDashboardRouter } from './router.js'
import { createTimelineSampler } from './sampler.js'
import type { Dashboard, DashboardComponents, DashboardInit, Timeline, TimelineSampler } from './interface.js'
import type { Router } from 'express'

/** Where the dashboard's web build puts the page: `web/` beside this module in the compile output. */
export function defaultWebDir (): string {
  return fileURLToPath(new URL('./web/', import.meta.url))
}

class DefaultDashboard implements Dashboard {
  readonly router: Router
  private readonly sampler: TimelineSampler

  constructor (init: DashboardInit, components: DashboardComponents) {
    this.sampler = createTimelineSampler(init, components)
    this.router = createDashboardRouter(
      { webDir: init.webDir ?? defaultWebDir() },
      { timeline: () => this.sampler.timeline() }
    )
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

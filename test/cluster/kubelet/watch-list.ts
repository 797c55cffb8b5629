import { Watch, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from '../../../packages/log/src/index.js'

export interface ListWatchInit<T> {
  /** Collection path, e.g. /api/v1/pods. */
  path: string
  fieldSelector?: string
  list: () => Promise<{ items: T[], metadata?: { resourceVersion?: string } }>
  /** The full current set after every (re)list: lets the consumer drop what vanished meanwhile. */
  onSync: (items: T[]) => void
  onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T) => void
}

export interface ListWatch {
  stop: () => void
}

/**
 * List, then watch from the list's resourceVersion; when the watch ends (the API server closes
 * watches every few minutes, the client after 30 s, 410 Gone, errors) list again. Level-triggered:
 * the consumer reconciles on every sync, so nothing is missed across reconnects.
 */
export function startListWatch<T> (kc: KubeConfig, init: ListWatchInit<T>, logger: Logger): ListWatch {
  const watch = new Watch(kc)
  let stopped = false
  let abort: AbortController | undefined
  let retry: NodeJS.Timeout | undefined

  const again = (ms: number): void => {
    if (stopped) return
    retry = setTimeout(() => { void cycle() }, ms)
  }

  const cycle = async (): Promise<void> => {
    if (stopped) return
    let rv: string | undefined
    try {
      const list = await init.list()
      rv = list.metadata?.resourceVersion
      if (stopped) return
      init.onSync(list.items)
    } catch (err) {
      logger.warn('list failed, retrying', { path: init.path, err: (err as Error).message })
      again(500)
      return
    }
    try {
      abort = await watch.watch(init.path, { fieldSelector: init.fieldSelector, resourceVersion: rv, allowWatchBookmarks: true }, (type, obj) => {
        if (stopped) return
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') init.onEvent(type, obj as T)
      }, err => {
        if (stopped) return
        if (err != null && (err as Error).name !== 'AbortError') logger.debug('watch ended', { path: init.path, err: (err as Error).message })
        again(100)
      })
    } catch (err) {
      logger.warn('watch failed, retrying', { path: init.path, err: (err as Error).message })
      again(500)
    }
  }

  void cycle()
  return {
    stop: () => {
      stopped = true
      if (retry != null) clearTimeout(retry)
      abort?.abort()
    }
  }
}

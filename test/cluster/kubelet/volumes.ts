import fs from 'node:fs'
import path from 'node:path'
import type { V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod, V1VolumeMount } from '@kubernetes/client-node'
import { fieldRefValue, type PodFacts } from './env.js'

/** Where volume contents come from (the API server, read by the kubelet). */
export interface VolumeSources {
  secret: (namespace: string, name: string) => Promise<Record<string, Buffer> | undefined>
  configMap: (namespace: string, name: string) => Promise<Record<string, Buffer> | undefined>
  /** The host directory of a bound PVC; undefined while it is not bound. */
  claimDir: (namespace: string, claim: string) => Promise<string | undefined>
  serviceAccountToken: (pod: V1Pod, audience: string | undefined, expirationSeconds: number) => Promise<string>
}

export class VolumeNotReadyError extends Error {
  readonly volume: string
  constructor (volume: string, reason: string) {
    super(`volume ${volume}: ${reason}`)
    this.name = 'VolumeNotReadyError'
    this.volume = volume
  }
}

/** Writes a file only when its content differs, atomically (rename), so readers never see half a file. */
function writeIfChanged (file: string, content: Buffer, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  try {
    if (fs.readFileSync(file).equals(content)) return
  } catch { /* new file */ }
  const tmp = `${file}.tmp-${process.pid}`
  fs.writeFileSync(tmp, content, { mode })
  fs.renameSync(tmp, file)
}

/** Replaces the files of a dir with `files` (relative path → content), removing ones no longer listed. */
function syncDir (dir: string, files: Map<string, Buffer>, mode: number): void {
  fs.mkdirSync(dir, { recursive: true })
  for (const [rel, content] of files) writeIfChanged(path.join(dir, rel), content, mode)
  const wanted = new Set([...files.keys()].map(f => path.join(dir, f)))
  const walk = (d: string): void => {
    for (const ent of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name)
      if (ent.isDirectory()) walk(p)
      else if (!wanted.has(p)) fs.rmSync(p, { force: true })
    }
  }
  walk(dir)
}

function project (data: Record<string, Buffer>, items: V1KeyToPath[] | undefined, out: Map<string, Buffer>, what: string): void {
  if (items == null || items.length === 0) {
    for (const [k, v] of Object.entries(data)) out.set(k, v)
    return
  }
  for (const it of items) {
    const v = data[it.key]
    if (v == null) throw new VolumeNotReadyError(what, `key ${it.key} not found`)
    out.set(it.path, v)
  }
}

function downward (pod: V1Pod, facts: PodFacts, items: V1DownwardAPIVolumeFile[] | undefined, out: Map<string, Buffer>): void {
  for (const it of items ?? []) {
    if (it.fieldRef != null) out.set(it.path, Buffer.from(fieldRefValue(pod, facts, it.fieldRef) ?? ''))
  }
}

/**
 * Materialises the pod's volumes under `<podDir>/volumes/<name>` (PVCs: their claim directory) and
 * returns name → host directory. Called again while the pod runs, it refreshes Secret, ConfigMap,
 * downward API and projected contents (as the kubelet's periodic sync does).
 */
export async function prepareVolumes (pod: V1Pod, podDir: string, facts: PodFacts, sources: VolumeSources): Promise<Map<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default'
  const dirs = new Map<string, string>()
  for (const vol of pod.spec?.volumes ?? []) {
    const dir = path.join(podDir, 'volumes', vol.name)
    if (vol.persistentVolumeClaim != null) {
      const claimDir = await sources.claimDir(ns, vol.persistentVolumeClaim.claimName)
      if (claimDir == null) throw new VolumeNotReadyError(vol.name, `PersistentVolumeClaim ${vol.persistentVolumeClaim.claimName} is not bound`)
      fs.mkdirSync(claimDir, { recursive: true })
      dirs.set(vol.name, claimDir)
    } else if (vol.hostPath != null) {
      dirs.set(vol.name, vol.hostPath.path)
    } else if (vol.secret != null) {
      const data = await sources.secret(ns, vol.secret.secretName ?? '')
      const files = new Map<string, Buffer>()
      if (data == null) {
        if (vol.secret.optional !== true) throw new VolumeNotReadyError(vol.name, `secret ${vol.secret.secretName} not found`)
      } else project(data, vol.secret.items, files, vol.name)
      syncDir(dir, files, vol.secret.defaultMode ?? 0o644)
      dirs.set(vol.name, dir)
    } else if (vol.configMap != null) {
      const data = await sources.configMap(ns, vol.configMap.name ?? '')
      const files = new Map<string, Buffer>()
      if (data == null) {
        if (vol.configMap.optional !== true) throw new VolumeNotReadyError(vol.name, `configMap ${vol.configMap.name} not found`)
      } else project(data, vol.configMap.items, files, vol.name)
      syncDir(dir, files, vol.configMap.defaultMode ?? 0o644)
      dirs.set(vol.name, dir)
    } else if (vol.downwardAPI != null) {
      const files = new Map<string, Buffer>()
      downward(pod, facts, vol.downwardAPI.items, files)
      syncDir(dir, files, vol.downwardAPI.defaultMode ?? 0o644)
      dirs.set(vol.name, dir)
    } else if (vol.projected != null) {
      const files = new Map<string, Buffer>()
      for (const src of vol.projected.sources ?? []) {
        if (src.secret != null) {
          const data = await sources.secret(ns, src.secret.name ?? '')
          if (data == null) {
            if (src.secret.optional !== true) throw new VolumeNotReadyError(vol.name, `secret ${src.secret.name} not found`)
          } else project(data, src.secret.items, files, vol.name)
        } else if (src.configMap != null) {
          const data = await sources.configMap(ns, src.configMap.name ?? '')
          if (data == null) {
            if (src.configMap.optional !== true) throw new VolumeNotReadyError(vol.name, `configMap ${src.configMap.name} not found`)
          } else project(data, src.configMap.items, files, vol.name)
        } else if (src.downwardAPI != null) {
          downward(pod, facts, src.downwardAPI.items, files)
        } else if (src.serviceAccountToken != null) {
          const existing = path.join(dir, src.serviceAccountToken.path)
          // Tokens last an hour: keep the one written unless it is older than half its life.
          const fresh = fs.existsSync(existing) && Date.now() - fs.statSync(existing).mtimeMs < 30 * 60_000
          const token = fresh ? fs.readFileSync(existing) : Buffer.from(await sources.serviceAccountToken(pod, src.serviceAccountToken.audience, src.serviceAccountToken.expirationSeconds ?? 3600))
          files.set(src.serviceAccountToken.path, token)
        }
      }
      syncDir(dir, files, vol.projected.defaultMode ?? 0o644)
      dirs.set(vol.name, dir)
    } else {
      // emptyDir and anything else: a fresh directory that lives as long as the pod.
      fs.mkdirSync(dir, { recursive: true })
      dirs.set(vol.name, dir)
    }
  }
  return dirs
}

/**
 * Makes each mount visible at `<sandbox><mountPath>` as a symlink to the volume's directory (or the
 * file/dir named by subPath). Returns the mount paths (for the path-rewrite rule).
 */
export function mountVolumes (sandbox: string, mounts: V1VolumeMount[] | undefined, volumeDirs: Map<string, string>): string[] {
  const paths: string[] = []
  for (const m of mounts ?? []) {
    const src = volumeDirs.get(m.name)
    if (src == null) throw new VolumeNotReadyError(m.name, 'mounted but not declared in the pod')
    const target = m.subPath != null && m.subPath !== '' ? path.join(src, m.subPath) : src
    if (m.subPath != null && m.subPath !== '' && !fs.existsSync(target)) fs.mkdirSync(target, { recursive: true })
    const at = path.join(sandbox, m.mountPath)
    fs.mkdirSync(path.dirname(at), { recursive: true })
    try {
      if (fs.readlinkSync(at) === target) { paths.push(m.mountPath); continue }
      fs.rmSync(at, { force: true })
    } catch { /* not a link yet */ }
    fs.symlinkSync(target, at)
    paths.push(m.mountPath)
  }
  return paths
}

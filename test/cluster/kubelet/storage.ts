import fs from 'node:fs'
import path from 'node:path'
import { CoreV1Api, StorageV1Api, type KubeConfig, type V1PersistentVolume, type V1PersistentVolumeClaim } from '@kubernetes/client-node'
import type { Logger } from '../../../packages/log/src/index.js'
import { errCode, mergePatch } from './api-calls.js'

export const LOCAL_PATH_PROVISIONER = 'lattice.diotec360.com/local-path'
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by'

export interface LocalPathProvisionerInit {
  /** Directory under which each volume gets its own directory. */
  rootDir: string
  /** The StorageClass served (made the default class); PVCs without a class are served too. */
  storageClassName: string
  pollMs: number
  /**
   * Mode of each volume's directory (default: the umask's). Pods of a real node run as non-root
   * uids and a hostPath volume gets no fsGroup ownership change: 0o777 lets them write, as
   * rancher's local-path-provisioner does.
   */
  dirMode?: number
}

export interface LocalPathProvisioner {
  start: () => Promise<void>
  stop: () => void
}

/**
 * A local-path provisioner: every PVC of its StorageClass gets a PersistentVolume backed by a
 * directory, bound at once (spec.volumeName, claimRef, both phases Bound) so it works with or
 * without kube-controller-manager. Released volumes with reclaimPolicy Delete lose their directory
 * and their PV. Polls (few objects in tests; simpler than three watches).
 */
class LocalPathProvisionerImpl implements LocalPathProvisioner {
  private readonly core: CoreV1Api
  private readonly storage: StorageV1Api
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private running = false

  constructor (private readonly init: LocalPathProvisionerInit, kc: KubeConfig, private readonly log: Logger) {
    this.core = kc.makeApiClient(CoreV1Api)
    this.storage = kc.makeApiClient(StorageV1Api)
  }

  async start (): Promise<void> {
    fs.mkdirSync(this.init.rootDir, { recursive: true })
    try {
      await this.storage.createStorageClass({
        body: {
          metadata: { name: this.init.storageClassName, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
          provisioner: LOCAL_PATH_PROVISIONER,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate'
        }
      })
    } catch (err) {
      if (errCode(err) !== 409) throw err
    }
    const loop = (): void => {
      if (this.stopped) return
      this.timer = setTimeout(() => { void this.tick().finally(loop) }, this.init.pollMs)
    }
    await this.tick()
    loop()
  }

  stop (): void {
    this.stopped = true
    if (this.timer != null) clearTimeout(this.timer)
  }

  private ours (pvc: V1PersistentVolumeClaim): boolean {
    const cls = pvc.spec?.storageClassName
    return cls == null || cls === '' || cls === this.init.storageClassName
  }

  private async tick (): Promise<void> {
    if (this.running || this.stopped) return
    this.running = true
    try {
      const [pvcs, pvs] = await Promise.all([this.core.listPersistentVolumeClaimForAllNamespaces(), this.core.listPersistentVolume()])
      const pvByName = new Map(pvs.items.map(pv => [pv.metadata?.name ?? '', pv]))
      for (const pvc of pvcs.items) {
        if (pvc.metadata?.deletionTimestamp != null || !this.ours(pvc)) continue
        if (pvc.status?.phase === 'Bound') continue
        await this.provision(pvc, pvByName)
      }
      const claimUids = new Set(pvcs.items.map(c => c.metadata?.uid))
      for (const pv of pvs.items) {
        if (pv.metadata?.annotations?.[PROVISIONED_BY] !== LOCAL_PATH_PROVISIONER) continue
        const uid = pv.spec?.claimRef?.uid
        if (uid != null && claimUids.has(uid)) continue
        await this.release(pv)
      }
    } catch (err) {
      if (!this.stopped) this.log.warn('local-path provisioner pass failed', { err: (err as Error).message })
    } finally {
      this.running = false
    }
  }

  private async provision (pvc: V1PersistentVolumeClaim, pvByName: Map<string, V1PersistentVolume>): Promise<void> {
    const ns = pvc.metadata?.namespace ?? ''
    const name = pvc.metadata?.name ?? ''
    const pvName = pvc.spec?.volumeName != null && pvc.spec.volumeName !== '' ? pvc.spec.volumeName : `pvc-${pvc.metadata?.uid}`
    const dir = path.join(this.init.rootDir, pvName)
    const capacity = { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' }
    const accessModes = pvc.spec?.accessModes ?? ['ReadWriteOnce']
    if (!pvByName.has(pvName)) {
      fs.mkdirSync(dir, { recursive: true })
      if (this.init.dirMode != null) fs.chmodSync(dir, this.init.dirMode)
      try {
        await this.core.createPersistentVolume({
          body: {
            metadata: { name: pvName, annotations: { [PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } },
            spec: {
              capacity,
              accessModes,
              storageClassName: pvc.spec?.storageClassName ?? this.init.storageClassName,
              persistentVolumeReclaimPolicy: 'Delete',
              volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
              hostPath: { path: dir, type: 'DirectoryOrCreate' },
              claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name, uid: pvc.metadata?.uid, resourceVersion: pvc.metadata?.resourceVersion }
            }
          }
        })
      } catch (err) {
        if (errCode(err) !== 409) throw err
      }
    }
    if (pvc.spec?.volumeName == null || pvc.spec.volumeName === '') {
      await this.core.patchNamespacedPersistentVolumeClaim({
        name, namespace: ns,
        body: { metadata: { annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': LOCAL_PATH_PROVISIONER } }, spec: { volumeName: pvName } }
      }, mergePatch)
    }
    await this.core.patchPersistentVolumeStatus({ name: pvName, body: { status: { phase: 'Bound' } } }, mergePatch)
    await this.core.patchNamespacedPersistentVolumeClaimStatus({ name, namespace: ns, body: { status: { phase: 'Bound', capacity, accessModes } } }, mergePatch)
    this.log.info('provisioned volume', { pvc: `${ns}/${name}`, pv: pvName, dir })
  }

  private async release (pv: V1PersistentVolume): Promise<void> {
    const name = pv.metadata?.name ?? ''
    if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') {
      if (pv.status?.phase !== 'Released') await this.core.patchPersistentVolumeStatus({ name, body: { status: { phase: 'Released' } } }, mergePatch)
      return
    }
    const dir = pv.spec?.hostPath?.path
    if (dir != null && dir.startsWith(this.init.rootDir + path.sep)) fs.rmSync(dir, { recursive: true, force: true })
    try {
      await this.core.deletePersistentVolume({ name })
    } catch (err) {
      if (errCode(err) !== 404) throw err
    }
    this.log.info('deleted released volume', { pv: name })
  }
}

export function createLocalPathProvisioner (init: LocalPathProvisionerInit, components: { kubeConfig: KubeConfig, logger: Logger }): LocalPathProvisioner {
  return new LocalPathProvisionerImpl(init, components.kubeConfig, components.logger)
}

import { execFile } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const execFileP = promisify(execFile)

/** A single-layer image made from a local directory, no registry and no image builder involved. */
export interface LocalImageInit {
  /** Full reference as the CRI normalizes it, e.g. `docker.io/library/lattice-busybox:test`. */
  reference: string
  /** Directory whose contents become the image's root filesystem (owned by root in the layer). */
  rootfs: string
  entrypoint?: string[]
  cmd?: string[]
  env?: string[]
  user?: string
  workingDir?: string
}

function ociArch (): string {
  return process.arch === 'x64' ? 'amd64' : process.arch
}

function sha256File (file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

/**
 * Writes an OCI image layout archive (`oci-layout`, `index.json`, `blobs/sha256/…`) for one
 * uncompressed layer, named with containerd's `io.containerd.image.name` annotation so that
 * `ctr images import` stores it under the full reference. Returns the archive's path.
 */
export async function writeOciArchive (init: LocalImageInit, outFile: string): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-oci-'))
  try {
    const blobs = path.join(work, 'layout', 'blobs', 'sha256')
    fs.mkdirSync(blobs, { recursive: true })
    const layerTmp = path.join(work, 'layer.tar')
    await execFileP('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=@0', '-C', init.rootfs, '-cf', layerTmp, '.'])
    const layerDigest = sha256File(layerTmp)
    const layerSize = fs.statSync(layerTmp).size
    fs.renameSync(layerTmp, path.join(blobs, layerDigest))
    const blob = (obj: unknown): { digest: string, size: number } => {
      const data = Buffer.from(JSON.stringify(obj))
      const digest = crypto.createHash('sha256').update(data).digest('hex')
      fs.writeFileSync(path.join(blobs, digest), data)
      return { digest: `sha256:${digest}`, size: data.length }
    }
    const config = blob({
      architecture: ociArch(),
      os: 'linux',
      config: { Entrypoint: init.entrypoint, Cmd: init.cmd, Env: init.env ?? ['PATH=/bin:/usr/bin'], User: init.user, WorkingDir: init.workingDir },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created_by: 'lattice test/cluster/realnode writeOciArchive' }]
    })
    const manifest = blob({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layerSize }]
    })
    const tag = init.reference.slice(init.reference.lastIndexOf(':') + 1)
    fs.writeFileSync(path.join(work, 'layout', 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
    fs.writeFileSync(path.join(work, 'layout', 'index.json'), JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'io.containerd.image.name': init.reference, 'org.opencontainers.image.ref.name': tag } }]
    }))
    await execFileP('tar', ['-C', path.join(work, 'layout'), '-cf', outFile, '.'])
    return outFile
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** Applets of the test image (busybox-static): a shell, an HTTP server, DNS and HTTP clients. */
const BUSYBOX_APPLETS = ['sh', 'httpd', 'nslookup', 'wget', 'id', 'touch', 'sleep', 'cat', 'echo', 'ls', 'mkdir', 'hostname', 'nc', 'head', 'dd', 'true', 'false', 'env']

/**
 * Root filesystem of the `lattice-busybox` test image: Debian's static busybox with a few applet
 * links, a passwd naming uid 65532, and /tmp. About 2 MB.
 */
export function busyboxRootfs (dir: string, busybox = '/bin/busybox'): string {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true })
  fs.copyFileSync(busybox, path.join(dir, 'bin', 'busybox'))
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755)
  for (const applet of BUSYBOX_APPLETS) fs.symlinkSync('busybox', path.join(dir, 'bin', applet))
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\nnonroot:x:65532:65532:nonroot:/:/bin/sh\n')
  fs.writeFileSync(path.join(dir, 'etc', 'group'), 'root:x:0:\nnonroot:x:65532:\n')
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o1777 })
  fs.mkdirSync(path.join(dir, 'www'))
  fs.writeFileSync(path.join(dir, 'www', 'index.html'), 'lattice-busybox\n')
  return dir
}

/** Root filesystem of the sandbox image: only Kubernetes' static pause program. */
export function pauseRootfs (dir: string, pause: string): string {
  fs.mkdirSync(dir, { recursive: true })
  fs.copyFileSync(pause, path.join(dir, 'pause'))
  fs.chmodSync(path.join(dir, 'pause'), 0o755)
  return dir
}

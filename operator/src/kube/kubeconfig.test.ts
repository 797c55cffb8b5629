import { afterAll, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import yaml from 'js-yaml'
import { chooseKubeconfig, loadKubeconfig, mergeKubeconfigFiles, NoKubeconfigError, type KubeconfigEnvironment } from './kubeconfig.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lattice-kubeconfig-'))
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }) })

function write (name: string, config: object): string {
  const file = path.join(dir, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, yaml.dump({ apiVersion: 'v1', kind: 'Config', ...config }))
  return file
}

const env = (files: string[], extra: Partial<KubeconfigEnvironment> = {}): KubeconfigEnvironment => ({ inCluster: false, exists: f => files.includes(f), ...extra })

describe('chooseKubeconfig (kubectl\'s order)', () => {
  it('--kubeconfig first, and it must exist', () => {
    expect(chooseKubeconfig(env(['/a', '/b'], { flag: '/a', kubeconfigVar: '/b', home: '/h', inCluster: true }))).toEqual({ kind: 'files', files: ['/a'], from: '--kubeconfig' })
    expect(() => chooseKubeconfig(env([], { flag: '/a', inCluster: true }))).toThrow(NoKubeconfigError)
  })
  it('KUBECONFIG: the listed files that exist, in order, duplicates once', () => {
    expect(chooseKubeconfig(env(['/b', '/c'], { kubeconfigVar: '/a::/b:/c:/b', home: '/h' }))).toEqual({ kind: 'files', files: ['/b', '/c'], from: 'KUBECONFIG' })
  })
  it('KUBECONFIG naming only missing files does not fall back to ~/.kube/config (as kubectl), but to in-cluster', () => {
    expect(chooseKubeconfig(env(['/h/.kube/config'], { kubeconfigVar: '/nope', home: '/h', inCluster: true }))).toEqual({ kind: 'in-cluster' })
    expect(() => chooseKubeconfig(env(['/h/.kube/config'], { kubeconfigVar: '/nope', home: '/h' }))).toThrow(/none of the KUBECONFIG files/)
  })
  it('then ~/.kube/config, then in-cluster, else a clear error', () => {
    expect(chooseKubeconfig(env(['/h/.kube/config'], { home: '/h', inCluster: true }))).toEqual({ kind: 'files', files: ['/h/.kube/config'], from: '~/.kube/config' })
    expect(chooseKubeconfig(env([], { home: '/h', inCluster: true }))).toEqual({ kind: 'in-cluster' })
    expect(() => chooseKubeconfig(env([], { home: '/h' }))).toThrow(/pass --kubeconfig, set KUBECONFIG, create ~\/.kube\/config, or run in a pod/)
  })
})

describe('mergeKubeconfigFiles', () => {
  it('the first file to set a value wins; relative paths resolve against their own file', () => {
    const first = write('first/config', {
      'current-context': 'ops',
      clusters: [{ name: 'prod', cluster: { server: 'https://prod.example:6443', 'certificate-authority': 'ca.crt' } }],
      users: [{ name: 'operator', user: { token: 'first-token' } }],
      contexts: [{ name: 'ops', context: { cluster: 'prod', user: 'operator', namespace: 'lattice' } }]
    })
    const second = write('second/config', {
      'current-context': 'other',
      clusters: [{ name: 'prod', cluster: { server: 'https://shadow.example:6443' } }, { name: 'dev', cluster: { server: 'https://dev.example:6443' } }],
      users: [{ name: 'operator', user: { token: 'second-token' } }, { name: 'dev', user: { token: 'dev-token' } }],
      contexts: [{ name: 'other', context: { cluster: 'dev', user: 'dev' } }]
    })
    const kc = mergeKubeconfigFiles([first, second])
    expect(kc.getCurrentContext()).toBe('ops')
    expect(kc.getCurrentCluster()).toMatchObject({ name: 'prod', server: 'https://prod.example:6443', caFile: path.join(dir, 'first', 'ca.crt') })
    expect(kc.getCurrentUser()?.token).toBe('first-token')
    expect(kc.getClusters().map(c => c.name).sort()).toEqual(['dev', 'prod'])
    expect(kc.getContextObject('other')?.cluster).toBe('dev')
  })
  it('a file with credentials only completes another with the context (a split kubeconfig)', () => {
    const contexts = write('split/contexts', {
      'current-context': 'ops',
      clusters: [{ name: 'prod', cluster: { server: 'https://prod.example:6443' } }],
      contexts: [{ name: 'ops', context: { cluster: 'prod', user: 'operator' } }]
    })
    const creds = write('split/creds', { users: [{ name: 'operator', user: { token: 'split-token' } }] })
    const { kubeConfig, source } = loadKubeconfig(undefined, { KUBECONFIG: [path.join(dir, 'missing'), creds, contexts].join(path.delimiter), HOME: dir })
    expect(source).toEqual({ kind: 'files', files: [creds, contexts], from: 'KUBECONFIG' })
    expect(kubeConfig.getCurrentUser()?.token).toBe('split-token')
    expect(kubeConfig.getCurrentCluster()?.server).toBe('https://prod.example:6443')
  })
  it('loads ~/.kube/config when nothing else is given, and refuses a file without a usable context', () => {
    const home = path.join(dir, 'home')
    write('home/.kube/config', { 'current-context': 'c', clusters: [{ name: 'k', cluster: { server: 'https://home.example' } }], users: [{ name: 'u', user: { token: 't' } }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }] })
    expect(loadKubeconfig(undefined, { HOME: home }).kubeConfig.getCurrentCluster()?.server).toBe('https://home.example')
    const empty = write('empty', {})
    expect(() => loadKubeconfig(empty, {})).toThrow(/no current-context/)
  })
})

// What the chart tests share: the RBAC the operator needs, written out independently, and typed reads of rendered objects.
import { expect } from '@jest/globals'
import type { V1Deployment, V1PolicyRule, V1Role } from '@kubernetes/client-node'
import type { K8sObject } from './helm.js'

/**
 * What the operator's code calls, written out independently of the chart: (group/resource) -> verbs.
 * rbac-audit.test.ts checks the same against the API server's audit log of a real run.
 */
export const EXPECTED_RULES: Record<string, string[]> = {
  'lattice.diotec360.com/latticenetworks': ['list', 'watch'],
  'lattice.diotec360.com/latticenodes': ['create', 'delete', 'get', 'list', 'patch', 'watch'],
  'lattice.diotec360.com/latticenetworks/status': ['patch'],
  'lattice.diotec360.com/latticenodes/status': ['patch'],
  'lattice.diotec360.com/latticenetworks/finalizers': ['update'],
  'lattice.diotec360.com/latticenodes/finalizers': ['update'],
  '/pods': ['create', 'delete', 'list', 'watch'],
  '/services': ['create', 'list', 'patch', 'watch'],
  '/secrets': ['create', 'delete', 'get', 'list', 'patch', 'watch'],
  '/configmaps': ['create', 'get', 'list', 'patch', 'watch'],
  '/persistentvolumeclaims': ['create', 'delete', 'get', 'list', 'patch', 'watch'],
  '/events': ['create'],
  'policy/poddisruptionbudgets': ['create', 'list', 'patch', 'watch'],
  'networking.k8s.io/networkpolicies': ['create', 'delete', 'list', 'patch', 'watch']
}

/** Flattens rules to group/resource -> sorted verbs; fails on wildcards and resourceNames-free duplicates. */
export function normalise (rules: V1PolicyRule[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const r of rules) {
    for (const g of r.apiGroups ?? []) {
      for (const res of r.resources ?? []) {
        const key = `${g}/${res}`
        out[key] = [...new Set([...(out[key] ?? []), ...r.verbs])].sort()
      }
    }
  }
  return out
}

export function noWildcards (rules: V1PolicyRule[]): void {
  for (const r of rules) {
    expect([...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs]).not.toContain('*')
    expect(r.nonResourceURLs ?? []).toEqual([])
  }
}

export function env (deployment: V1Deployment): Record<string, string | undefined> {
  const c = deployment.spec?.template.spec?.containers[0]
  return Object.fromEntries((c?.env ?? []).map(e => [e.name, e.value]))
}

export function asDeployment (o: K8sObject): V1Deployment { return o as unknown as V1Deployment }
export function asRole (o: K8sObject): V1Role { return o as unknown as V1Role }

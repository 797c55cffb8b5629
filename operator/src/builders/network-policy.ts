import type { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicySpec } from '@kubernetes/client-node'
import type { LatticeNetwork } from '../api/types.js'
import { resolveNetworkSpec } from '../api/defaults.js'
import { controllerRef } from './owner.js'
import { networkLabels, networkPodSelector, networkPolicyName } from './names.js'

/** Labels of the operator's pods (the chart puts them on its Deployment's pod template). */
export const OPERATOR_POD_LABELS = { 'app.kubernetes.io/component': 'operator', 'app.kubernetes.io/part-of': 'lattice' } as const

export interface NetworkPolicyInit {
  /** Namespace the operator's pods run in; undefined: operator pods in any namespace. */
  operatorNamespace?: string
}

/**
 * The node pods' ingress: the P2P and HTTP ports, from the network's own pods (gossip, HTTP sync), the
 * operator's pods (the prober) and the spec's allowedSources only. Egress is left alone (external
 * peers, DNS). Enforced only by a network plugin that implements NetworkPolicy (Calico, Cilium, ...).
 */
export function buildNetworkPolicy (network: LatticeNetwork, init: NetworkPolicyInit = {}): V1NetworkPolicy {
  const name = network.metadata.name ?? ''
  const spec = resolveNetworkSpec(network.spec)
  const operator: V1NetworkPolicyPeer = {
    namespaceSelector: init.operatorNamespace !== undefined ? { matchLabels: { 'kubernetes.io/metadata.name': init.operatorNamespace } } : {},
    podSelector: { matchLabels: { ...OPERATOR_POD_LABELS } }
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: networkPolicyName(name),
      namespace: network.metadata.namespace,
      labels: networkLabels(name, 'network-policy'),
      ownerReferences: [controllerRef(network)]
    },
    spec: {
      podSelector: { matchLabels: networkPodSelector(name) },
      policyTypes: ['Ingress'],
      ingress: [{
        _from: [{ podSelector: { matchLabels: networkPodSelector(name) } }, operator, ...spec.networkPolicy.allowedSources],
        ports: [{ protocol: 'TCP', port: spec.ports.p2p }, { protocol: 'TCP', port: spec.ports.http }]
      }]
    }
  }
}

/**
 * The spec in the client's form: @kubernetes/client-node names an ingress rule's `from` `_from` (a
 * reserved word) in the objects it deserializes (lists) and serializes (create, patch), while watch
 * events carry the wire form `from`. Comparisons go through this so both compare equal.
 */
export function networkPolicySpecOf (spec: V1NetworkPolicySpec | undefined): V1NetworkPolicySpec | undefined {
  if (spec === undefined) return undefined
  return {
    ...spec,
    ...(spec.ingress !== undefined
      ? {
          ingress: spec.ingress.map(rule => {
            const { from, ...rest } = rule as V1NetworkPolicyIngressRule & { from?: V1NetworkPolicyPeer[] }
            const peers = rule._from ?? from
            return { ...rest, ...(peers !== undefined ? { _from: peers } : {}) }
          })
        }
      : {})
  }
}

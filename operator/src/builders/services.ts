/** Headless Service of a network (DNS for every node pod) and the per-node Service (stable DNS name per node). */
import type { V1Service } from '@kubernetes/client-node'
import type { ResolvedPorts, ResolvedService } from '../api/defaults.js'
import type { LatticeNetwork, LatticeNode } from '../api/types.js'
import { resolveNetworkSpec, resolveTemplate } from '../api/defaults.js'
import { controllerRef } from './owner.js'
import { headlessServiceName, networkLabels, networkPodSelector, nodeLabels, nodePodSelector, nodeServiceName } from './names.js'

function servicePorts (ports: ResolvedPorts): NonNullable<NonNullable<V1Service['spec']>['ports']> {
  return [
    { name: 'p2p', port: ports.p2p, targetPort: 'p2p', protocol: 'TCP' },
    { name: 'http', port: ports.http, targetPort: 'http', protocol: 'TCP' }
  ]
}

export function buildHeadlessService (network: LatticeNetwork): V1Service {
  const name = network.metadata.name ?? ''
  const spec = resolveNetworkSpec(network.spec)
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: headlessServiceName(name),
      namespace: network.metadata.namespace,
      labels: networkLabels(name, 'headless'),
      ownerReferences: [controllerRef(network)]
    },
    spec: {
      clusterIP: 'None',
      // Nodes must find each other before they are Ready (they become Ready by syncing with peers).
      publishNotReadyAddresses: true,
      selector: networkPodSelector(name),
      ports: servicePorts(spec.ports)
    }
  }
}

export function buildNodeService (node: LatticeNode): V1Service {
  const name = node.metadata.name ?? ''
  const t = resolveTemplate(node.spec)
  const svc: ResolvedService = t.service
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: nodeServiceName(name),
      namespace: node.metadata.namespace,
      labels: nodeLabels(node.spec.networkName, name, node.spec.ordinal, 'node-service'),
      ...(svc.annotations !== undefined ? { annotations: { ...svc.annotations } } : {}),
      ownerReferences: [controllerRef(node)]
    },
    spec: {
      type: svc.type,
      publishNotReadyAddresses: true,
      selector: nodePodSelector(name),
      ports: servicePorts(t.ports)
    }
  }
}

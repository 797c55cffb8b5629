/** Object names and labels of a network's children: one place, so builders and controllers agree. */
import {
  LABEL_COMPONENT, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, LABEL_NETWORK, LABEL_NODE, LABEL_ORDINAL, MANAGED_BY
} from '../api/constants.js'

export const nodeName = (network: string, ordinal: number): string => `${network}-${ordinal}`
export const headlessServiceName = (network: string): string => `${network}-headless`
export const networkSecretName = (network: string): string => `${network}-secrets`
export const peersConfigMapName = (network: string): string => `${network}-peers`
export const pdbName = (network: string): string => network
export const networkPolicyName = (network: string): string => `${network}-nodes`
export const identitySecretName = (node: string): string => `${node}-identity`
export const pvcName = (node: string): string => `${node}-data`
export const podName = (node: string): string => node
export const nodeServiceName = (node: string): string => node

/** The ordinal of `<network>-<ordinal>`, or undefined when the name does not have that form. */
export function ordinalOf (network: string, name: string): number | undefined {
  const prefix = `${network}-`
  if (!name.startsWith(prefix)) return undefined
  const rest = name.slice(prefix.length)
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined
}

export function networkLabels (network: string, component: string): Record<string, string> {
  return {
    [LABEL_NAME]: 'lattice-node',
    [LABEL_INSTANCE]: network,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_COMPONENT]: component,
    [LABEL_NETWORK]: network
  }
}

export function nodeLabels (network: string, node: string, ordinal: number | undefined, component: string): Record<string, string> {
  return {
    ...networkLabels(network, component),
    [LABEL_NODE]: node,
    ...(ordinal !== undefined ? { [LABEL_ORDINAL]: String(ordinal) } : {})
  }
}

/** Labels that select a network's node pods (stable: never include anything that changes). */
export const networkPodSelector = (network: string): Record<string, string> => ({ [LABEL_NETWORK]: network, [LABEL_COMPONENT]: 'node' })
/** A matchLabels map in the string form of a label selector (a=b,c=d). */
export const labelSelector = (labels: Record<string, string>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')
export const nodePodSelector = (node: string): Record<string, string> => ({ [LABEL_NODE]: node, [LABEL_COMPONENT]: 'node' })

/** TLS (spec.tls): the network's CA, its trust bundle, each node's serving certificate (Secret and cert-manager Certificate). */
export const caSecretName = (network: string): string => `${network}-tls-ca`
export const trustConfigMapName = (network: string): string => `${network}-tls-trust`
export const nodeTlsSecretName = (node: string): string => `${node}-tls`
export const certificateName = (node: string): string => `${node}-tls`

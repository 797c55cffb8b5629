/** The node's identity Secret: an Ed25519 key generated once; its peer ID goes into status. */
import type { V1Secret } from '@kubernetes/client-node'
import type { LatticeNode } from '../../api/types.js'
import { buildIdentitySecret, generateNodeIdentity, peerIdFromIdentitySecret } from '../../builders/secrets.js'
import { identitySecretName } from '../../builders/names.js'
import { isAlreadyExists } from '../../kube/errors.js'
import type { OperatorContext } from '../context.js'

/** Returns the node's peer ID, creating the identity Secret when (and only when) none exists. */
export async function ensureIdentity (ctx: OperatorContext, node: LatticeNode): Promise<string> {
  const ns = node.metadata.namespace ?? ''
  const secretName = identitySecretName(node.metadata.name ?? '')
  const ref = { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: secretName }
  let secret = ctx.caches.secrets.get(secretName, ns)
  // A key made twice would change the node's peer ID: confirm with the server before generating.
  secret ??= await ctx.client.get<V1Secret>(ref)
  if (secret !== undefined) return peerIdFromIdentitySecret(secret)
  const identity = await generateNodeIdentity()
  try {
    await ctx.client.create(buildIdentitySecret(node, identity))
    ctx.events.event(node, 'Normal', 'IdentityCreated', `generated Ed25519 identity, peer ID ${identity.peerId}`)
    return identity.peerId
  } catch (err) {
    if (!isAlreadyExists(err)) throw err
    const existing = await ctx.client.get<V1Secret>(ref)
    if (existing === undefined) throw err
    return peerIdFromIdentitySecret(existing)
  }
}

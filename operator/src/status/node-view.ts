/** What the network controller knows about one of its nodes in one reconcile (input of the pure logic). */
export interface NodeView {
  name: string
  ordinal: number
  peerId?: string
  podIP?: string
  /** The last probe of the node's API answered. */
  up: boolean
  /** The node's pod is Ready. */
  ready: boolean
  /** Why the pod cannot become Ready (a stuck container: ImagePullBackOff, CrashLoopBackOff, …), from the node's Ready condition. */
  stuck?: { reason: string, message: string }
  mode?: string
  peerCount?: number
  merkleRoot?: string
  podSpecHash?: string
  /** The LatticeNode carries the network's current template. */
  templateCurrent: boolean
  /** The node's running pod was built from the node's current spec. */
  podCurrent: boolean
  /** Root equals the network's. */
  synced: boolean
  diverged: boolean
  divergingSince?: string
}

/** Healthy for the rollout gate: current pod, Ready, and on the network's root. */
export const settled = (n: NodeView): boolean => n.podCurrent && n.ready && n.synced

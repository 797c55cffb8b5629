// The merge-patch header and error-code reading shared by the kubelet's modules that call the API server.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'

export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

/** The HTTP status of a failed @kubernetes/client-node call. */
export function errCode (err: unknown): number | undefined {
  return (err as { code?: number }).code
}

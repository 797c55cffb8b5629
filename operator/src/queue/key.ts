/** `namespace/name` work-queue key and back. */
export const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`

export function splitKey (key: string): { namespace: string, name: string } {
  const i = key.indexOf('/')
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) }
}

/**
 * Locate crds/ (the CRD YAML is the one source, not compiled): search upward from this compiled file,
 * then from the working directory, so it works from dist/, from another outDir, and when installed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import yaml from 'js-yaml'

export class CrdDirNotFoundError extends Error {
  readonly searched: string[]
  constructor (searched: string[]) {
    super(`crds/ not found; searched upward from ${searched.join(', ')} (set LATTICE_CRDS_DIR)`)
    this.name = 'CrdDirNotFoundError'
    this.searched = searched
  }
}

export function findCrdDir (): string {
  const fromEnv = process.env.LATTICE_CRDS_DIR
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv)
  const starts = [dirname(fileURLToPath(import.meta.url)), process.cwd()]
  for (const start of starts) {
    let dir = start
    for (;;) {
      if (existsSync(join(dir, 'crds', 'latticenetworks.yaml'))) return join(dir, 'crds')
      const parent = dirname(dir)
      if (parent === dir) break
      dir = parent
    }
  }
  throw new CrdDirNotFoundError(starts)
}

/** A CustomResourceDefinition as parsed from YAML (only what callers read is typed). */
export interface CrdDocument {
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec: {
    group: string
    names: { kind: string, plural: string, shortNames?: string[], categories?: string[] }
    versions: Array<{
      name: string
      served: boolean
      storage: boolean
      subresources?: { status?: object }
      additionalPrinterColumns?: Array<{ name: string, type: string, jsonPath: string }>
      schema: { openAPIV3Schema: SchemaNode }
    }>
  }
}

export interface SchemaNode {
  type?: string
  description?: string
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
  additionalProperties?: SchemaNode | boolean
  required?: string[]
  default?: unknown
  enum?: unknown[]
  anyOf?: SchemaNode[]
  'x-kubernetes-int-or-string'?: boolean
  'x-kubernetes-preserve-unknown-fields'?: boolean
  'x-kubernetes-validations'?: Array<{ rule: string, message?: string }>
  [key: string]: unknown
}

export function loadCrd (file: string, dir: string = findCrdDir()): CrdDocument {
  return yaml.load(readFileSync(join(dir, file), 'utf8')) as CrdDocument
}

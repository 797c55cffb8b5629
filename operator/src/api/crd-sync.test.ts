import { describe, expect, it } from '@jest/globals'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { CRD_SHAPES, type Field } from '../../../packages/testkit/src/operator/crd-shape.js'
import { loadCrd, type SchemaNode } from '../../../packages/testkit/src/operator/crd-files.js'
import { DEFAULTS } from './constants.js'

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

interface Mismatch { path: string, problem: string }

function schemaType (node: SchemaNode): string {
  if (node['x-kubernetes-int-or-string'] === true) return 'int-or-string'
  if (node['x-kubernetes-preserve-unknown-fields'] === true) return 'opaque'
  if (node.type === 'object' && node.properties === undefined && typeof node.additionalProperties === 'object') return 'map'
  return node.type ?? 'untyped'
}

/** Compare one schema node to its TS-side description, recursively. */
function compare (node: SchemaNode, field: Field, path: string, out: Mismatch[]): void {
  if (typeof node.description !== 'string' || node.description.trim() === '') out.push({ path, problem: 'no description' })
  const t = schemaType(node)
  if (t !== field.type) { out.push({ path, problem: `type ${t} in YAML, ${field.type} in TS` }); return }
  if (JSON.stringify(node.default) !== JSON.stringify(field.default)) out.push({ path, problem: `default ${JSON.stringify(node.default)} in YAML, ${JSON.stringify(field.default)} in TS` })
  if (JSON.stringify(node.enum ?? null) !== JSON.stringify(field.enum ?? null)) out.push({ path, problem: `enum ${JSON.stringify(node.enum)} in YAML, ${JSON.stringify(field.enum)} in TS` })
  if (field.type === 'object') {
    const yamlProps = node.properties ?? {}
    const tsProps = field.fields ?? {}
    for (const k of Object.keys(yamlProps)) if (!(k in tsProps)) out.push({ path: `${path}.${k}`, problem: 'in YAML, not in TS' })
    for (const k of Object.keys(tsProps)) if (!(k in yamlProps)) out.push({ path: `${path}.${k}`, problem: 'in TS, not in YAML' })
    const required = new Set(node.required ?? [])
    for (const [k, f] of Object.entries(tsProps)) {
      if ((f.required === true) !== required.has(k)) out.push({ path: `${path}.${k}`, problem: `required ${required.has(k)} in YAML, ${f.required === true} in TS` })
      const child = yamlProps[k]
      if (child !== undefined) compare(child, f, `${path}.${k}`, out)
    }
  } else if (field.type === 'array') {
    if (node.items === undefined || field.items === undefined) { out.push({ path, problem: 'array without items' }); return }
    // Items of opaque arrays carry no description of their own in the YAML (the array describes them).
    if (field.items.type === 'opaque') { if (schemaType(node.items) !== 'opaque') out.push({ path: `${path}[]`, problem: 'items not opaque' }); return }
    compareItems(node.items, field.items, `${path}[]`, out)
  } else if (field.type === 'map') {
    const values = node.additionalProperties
    if (typeof values !== 'object' || field.values === undefined) { out.push({ path, problem: 'map without values' }); return }
    if (schemaType(values) !== field.values.type) out.push({ path: `${path}{}`, problem: `value type ${schemaType(values)} in YAML, ${field.values.type} in TS` })
  }
}

/** Array items and map values are described by their parent; compare their structure only. */
function compareItems (node: SchemaNode, field: Field, path: string, out: Mismatch[]): void {
  compare({ ...node, description: node.description ?? '(item)' }, field, path, out)
}

function toJsonSchema (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (node === null || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-kubernetes-')) continue
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, toJsonSchema(pv)])) : toJsonSchema(v)
  }
  return out
}

describe('CRD YAML and TypeScript types stay in step', () => {
  for (const shape of CRD_SHAPES) {
    describe(shape.kind, () => {
      const crd = loadCrd(shape.file)
      const version = crd.spec.versions[0]
      const root = version?.schema.openAPIV3Schema

      it('is a v1 CRD in lattice.diotec360.com/v1alpha1 with status subresource, short name and category', () => {
        expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1')
        expect(crd.spec.group).toBe('lattice.diotec360.com')
        expect(crd.spec.names.kind).toBe(shape.kind)
        expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.lattice.diotec360.com`)
        expect(crd.spec.names.shortNames).toEqual([shape.shortName])
        expect(crd.spec.names.categories).toContain('lattice')
        expect(crd.spec.versions).toHaveLength(1)
        expect(version?.name).toBe('v1alpha1')
        expect(version?.subresources?.status).toEqual({})
      })

      it('spec and status match the TypeScript field descriptions', () => {
        const out: Mismatch[] = []
        const spec = root?.properties?.spec
        const status = root?.properties?.status
        expect(spec).toBeDefined()
        expect(status).toBeDefined()
        compare(spec as SchemaNode, { ...shape.spec, required: true }, 'spec', out)
        compare(status as SchemaNode, shape.status, 'status', out)
        expect(out).toEqual([])
      })

      it('has printer columns whose paths exist in the schema', () => {
        const cols = version?.additionalPrinterColumns ?? []
        const names = cols.map(c => c.name)
        for (const wanted of ['Ready', 'Peers', 'Mode', 'Root', 'Age']) expect(names).toContain(wanted)
        for (const col of cols) {
          if (col.jsonPath.startsWith('.metadata.')) continue
          let node: SchemaNode | undefined = root
          for (const part of col.jsonPath.split('.').slice(1)) node = node?.properties?.[part]
          expect({ column: col.name, found: node !== undefined }).toEqual({ column: col.name, found: true })
        }
      })

      it('is structural: every node has a type (or int-or-string / preserve-unknown-fields)', () => {
        const untyped: string[] = []
        const walk = (n: SchemaNode, p: string): void => {
          if (n.type === undefined && n['x-kubernetes-int-or-string'] !== true && n['x-kubernetes-preserve-unknown-fields'] !== true) untyped.push(p)
          for (const [k, v] of Object.entries(n.properties ?? {})) walk(v, `${p}.${k}`)
          if (n.items !== undefined) walk(n.items, `${p}[]`)
          if (typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${p}{}`)
        }
        walk(root as SchemaNode, '')
        expect(untyped).toEqual([])
      })
    })
  }

  it('DEFAULTS equal the CRD defaults', () => {
    const spec = loadCrd('latticenetworks.yaml').spec.versions[0]?.schema.openAPIV3Schema.properties?.spec
    const p = spec?.properties ?? {}
    expect(p.replicas?.default).toBe(DEFAULTS.replicas)
    expect(p.sync?.properties?.topic?.default).toBe('aethel/lattice/v1')
    expect(p.ports?.properties?.p2p?.default).toBe(9000)
    expect(p.ports?.properties?.http?.default).toBe(8080)
    expect(p.rollout?.properties?.progressDeadlineSeconds?.default).toBe(600)
    expect(p.storage?.properties?.size?.default).toBe('1Gi')
  })
})

describe('LatticeNetwork OpenAPI validation (JSON-Schema part; CEL is checked against the real API server in test/operator)', () => {
  const spec = loadCrd('latticenetworks.yaml').spec.versions[0]?.schema.openAPIV3Schema.properties?.spec
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addFormat('int32', true)
  ajv.addFormat('int64', true)
  const validate = ajv.compile(toJsonSchema(spec) as object)
  const good = { image: 'lattice-node:0.1.0', replicas: 3, externalPeers: [{ name: 'backup', multiaddr: '/dns4/backup.example.com/tcp/9000/p2p/12D3KooWSrKnMZUcSxK8G7wmBbXdU8nFEfWGhLu6H8xjn8LmCSJb', url: 'https://backup.example.com' }] }

  it('accepts a good spec', () => {
    expect(validate(good)).toBe(true)
  })
  it.each([
    ['replicas 0', { ...good, replicas: 0 }, '/replicas'],
    ['negative replicas', { ...good, replicas: -1 }, '/replicas'],
    ['unknown sync mode', { ...good, sync: { mode: 'carrier-pigeon' } }, '/sync/mode'],
    ['multiaddr without peer id', { ...good, externalPeers: [{ name: 'x', multiaddr: '/ip4/1.2.3.4/tcp/9000' }] }, '/externalPeers/0/multiaddr'],
    ['url without scheme', { ...good, externalPeers: [{ name: 'x', multiaddr: good.externalPeers[0]?.multiaddr, url: 'backup.example.com' }] }, '/externalPeers/0/url'],
    ['missing image', { replicas: 3 }, '']
  ])('rejects %s', (_name, value, where) => {
    expect(validate(value)).toBe(false)
    expect(validate.errors?.map(e => e.instancePath)).toContain(where)
  })
})

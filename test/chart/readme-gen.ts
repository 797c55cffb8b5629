/**
 * Generates the reference tables of charts/lattice-operator/README.md from their sources, so they cannot
 * drift: every chart value (values.schema.json + the defaults in values.yaml) and every field of the CRDs
 * (crds/*.yaml, openAPIV3Schema). readme.test.ts fails when the README is stale; update it with
 *   node_modules/.bin/node <dist>/test/chart/readme-gen.js
 * The rendering functions are pure (schema and values in, markdown out).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import yaml from 'js-yaml'
import { repoRoot } from '../monitoring/repo-root.js'

export interface JsonSchema {
  type?: string | string[]
  description?: string
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  additionalProperties?: JsonSchema | boolean
  enum?: unknown[]
  default?: unknown
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  maxItems?: number
  pattern?: string
  format?: string
  required?: string[]
  anyOf?: JsonSchema[]
  $ref?: string
  definitions?: Record<string, JsonSchema>
  'x-kubernetes-int-or-string'?: boolean
  'x-kubernetes-preserve-unknown-fields'?: boolean
  'x-kubernetes-validations'?: Array<{ rule: string, message?: string }>
}

interface Crd {
  spec: { names: { kind: string, shortNames?: string[] }, group: string, versions: Array<{ name: string, schema: { openAPIV3Schema: JsonSchema } }> }
}

export const BEGIN = (name: string): string => `<!-- BEGIN GENERATED: ${name} (test/chart/readme-gen.ts) -->`
export const END = (name: string): string => `<!-- END GENERATED: ${name} -->`

function cell (text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ').trim()
}

function code (v: unknown): string {
  return `\`${cell(JSON.stringify(v))}\``
}

function resolve (s: JsonSchema, root: JsonSchema): JsonSchema {
  if (s.$ref == null) return s
  const name = s.$ref.replace('#/definitions/', '')
  const target = root.definitions?.[name]
  if (target == null) throw new Error(`unresolved $ref ${s.$ref}`)
  return { ...target, ...s, $ref: undefined, description: s.description ?? target.description }
}

function typeOf (s: JsonSchema): string {
  if (s['x-kubernetes-int-or-string'] === true) return 'int or string'
  if (s.enum != null) return s.enum.map(e => JSON.stringify(e)).join(' | ')
  if (s.type === 'array') return `${s.items != null ? typeOf(s.items) : 'any'}[]`
  if (s.type === 'object' && typeof s.additionalProperties === 'object') return `map[string]${typeOf(s.additionalProperties)}`
  if (Array.isArray(s.type)) return s.type.join(' or ')
  return s.type ?? 'any'
}

function constraints (s: JsonSchema): string {
  const c: string[] = []
  if (s.minimum != null) c.push(`>= ${s.minimum}`)
  if (s.maximum != null) c.push(`<= ${s.maximum}`)
  if (s.minLength != null) c.push(`length >= ${s.minLength}`)
  if (s.maxLength != null) c.push(`length <= ${s.maxLength}`)
  if (s.maxItems != null) c.push(`at most ${s.maxItems} items`)
  if (s.pattern != null) c.push(`pattern \`${s.pattern}\``)
  for (const v of s['x-kubernetes-validations'] ?? []) c.push(v.message ?? `\`${v.rule}\``)
  return c.join('; ')
}

function get (obj: unknown, path: string[]): unknown {
  let cur = obj
  for (const k of path) cur = cur != null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined
  return cur
}

/** One row per chart value: documented objects as a whole, others down to their leaves. */
export function renderValuesTable (schema: JsonSchema, values: unknown): string {
  const rows = ['| value | type | default | description |', '|---|---|---|---|']
  const walk = (s: JsonSchema, path: string[]): void => {
    for (const [key, raw] of Object.entries(s.properties ?? {})) {
      if (path.length === 0 && key === 'global') continue
      const resolved = resolve(raw, schema)
      const child: JsonSchema = {
        ...resolved,
        items: resolved.items != null ? resolve(resolved.items, schema) : undefined,
        additionalProperties: typeof resolved.additionalProperties === 'object' ? resolve(resolved.additionalProperties, schema) : resolved.additionalProperties
      }
      const p = [...path, key]
      if (child.description == null && child.properties != null) { walk(child, p); continue }
      rows.push(`| \`${p.join('.')}\` | ${cell(typeOf(child))} | ${code(get(values, p))} | ${cell(child.description ?? '')} |`)
    }
  }
  walk(schema, [])
  return rows.join('\n')
}

/** One row per field of a CRD's spec and status. */
export function renderCrdTable (crd: Crd): string {
  const version = crd.spec.versions[0]
  if (version == null) throw new Error('CRD without versions')
  const rows = ['| field | type | default | validation | description |', '|---|---|---|---|---|']
  const walk = (s: JsonSchema, path: string, required: boolean): void => {
    const req = required ? ' (required)' : ''
    rows.push(`| \`${path}\`${req} | ${cell(typeOf(s))} | ${s.default !== undefined ? code(s.default) : ''} | ${cell(constraints(s))} | ${cell(s.description ?? '')} |`)
    if (s['x-kubernetes-preserve-unknown-fields'] === true) return
    const obj = s.type === 'array' && s.items != null ? s.items : s
    const prefix = s.type === 'array' ? `${path}[]` : path
    if (s.type === 'array' && s.items?.properties == null && (s.items?.['x-kubernetes-validations'] ?? []).length === 0) return
    for (const [k, child] of Object.entries(obj.properties ?? {})) walk(child, `${prefix}.${k}`, (obj.required ?? []).includes(k))
  }
  const top = version.schema.openAPIV3Schema
  for (const part of ['spec', 'status']) {
    const s = top.properties?.[part]
    if (s != null) walk(s, part, (top.required ?? []).includes(part))
  }
  const { kind, shortNames } = crd.spec.names
  return [`### ${kind} (\`${crd.spec.group}/${version.name}\`${shortNames != null ? `, short name \`${shortNames.join('`, `')}\`` : ''})`, '', ...rows].join('\n')
}

/** Replaces the text between the BEGIN/END markers of `name`. */
export function replaceSection (doc: string, name: string, body: string): string {
  const begin = doc.indexOf(BEGIN(name))
  const end = doc.indexOf(END(name))
  if (begin < 0 || end < begin) throw new Error(`README has no generated section ${name}`)
  return `${doc.slice(0, begin)}${BEGIN(name)}\n${body}\n${doc.slice(end)}`
}

/** The README as it should be, from the current schema, values and CRDs. */
export function generateReadme (root = repoRoot()): { path: string, text: string } {
  const chart = join(root, 'charts/lattice-operator')
  const path = join(chart, 'README.md')
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as JsonSchema
  const values = yaml.load(readFileSync(join(chart, 'values.yaml'), 'utf8'))
  const crds = ['latticenetworks.yaml', 'latticenodes.yaml'].map(f => yaml.load(readFileSync(join(root, 'crds', f), 'utf8')) as Crd)
  let text = readFileSync(path, 'utf8')
  text = replaceSection(text, 'values', renderValuesTable(schema, values))
  text = replaceSection(text, 'crds', crds.map(renderCrdTable).join('\n\n'))
  return { path, text }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { path, text } = generateReadme()
  writeFileSync(path, text)
  console.log(`readme-gen: wrote ${path}`)
}

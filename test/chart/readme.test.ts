// The chart README's reference tables are generated from values.schema.json, values.yaml and crds/:
// a stale README fails here (update: node_modules/.bin/node <dist>/test/chart/readme-gen.js).
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { generateReadme, renderCrdTable, renderValuesTable, replaceSection, BEGIN, END } from './readme-gen.js'

describe('chart README', () => {
  it('has up-to-date tables of every value and every CRD field', () => {
    const { path, text } = generateReadme()
    expect(readFileSync(path, 'utf8')).toBe(text)
  })

  it('documents every value of the schema and every field of both CRDs', () => {
    const { text } = generateReadme()
    for (const v of ['replicaCount', 'watchNamespaces', 'rbac.clusterWide', 'leaderElection.enabled', 'prometheusRule.runbookBaseURL', 'securityContext']) {
      expect(text).toContain(`| \`${v}\` |`)
    }
    for (const f of ['spec.externalPeers[].multiaddr', 'spec.sync.peerlessTimeoutSeconds', 'spec.storage.reclaimPolicy', 'spec.rollout.progressDeadlineSeconds', 'status.divergentNodes']) {
      expect(text).toContain(`| \`${f}\``)
    }
    expect(text).toContain('### LatticeNetwork')
    expect(text).toContain('### LatticeNode')
  })
})

describe('readme-gen (pure rendering)', () => {
  it('renders values with type, default from values.yaml and description; escapes pipes', () => {
    const table = renderValuesTable({
      definitions: { port: { type: 'integer', minimum: 1 } },
      properties: {
        global: { type: 'object' },
        a: { properties: { b: { type: 'string', enum: ['x', 'y'], description: 'pick x | y' } } },
        p: { $ref: '#/definitions/port', description: 'a port' },
        list: { type: 'array', items: { $ref: '#/definitions/port' }, description: 'ports' }
      }
    }, { a: { b: 'x' }, p: 80, list: [] })
    expect(table.split('\n')).toEqual([
      '| value | type | default | description |',
      '|---|---|---|---|',
      '| `a.b` | "x" \\| "y" | `"x"` | pick x \\| y |',
      '| `p` | integer | `80` | a port |',
      '| `list` | integer[] | `[]` | ports |'
    ])
  })

  it('renders CRD fields with required marks, defaults, validations and array items', () => {
    const table = renderCrdTable({
      spec: {
        group: 'g.example.com',
        names: { kind: 'Thing', shortNames: ['th'] },
        versions: [{
          name: 'v1',
          schema: {
            openAPIV3Schema: {
              required: ['spec'],
              properties: {
                spec: {
                  type: 'object',
                  required: ['n'],
                  properties: {
                    n: { type: 'integer', minimum: 1, default: 3, description: 'count' },
                    peers: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } }
                  },
                  'x-kubernetes-validations': [{ rule: 'self.n > 0', message: 'n must be positive' }]
                }
              }
            }
          }
        }]
      }
    })
    expect(table).toContain('### Thing (`g.example.com/v1`, short name `th`)')
    expect(table).toContain('| `spec` (required) | object |  | n must be positive |  |')
    expect(table).toContain('| `spec.n` (required) | integer | `3` | >= 1 | count |')
    expect(table).toContain('| `spec.peers[].name` (required) | string |')
  })

  it('replaces only the marked section and refuses a document without it', () => {
    const doc = `intro\n${BEGIN('t')}\nold\n${END('t')}\noutro\n`
    expect(replaceSection(doc, 't', 'new')).toBe(`intro\n${BEGIN('t')}\nnew\n${END('t')}\noutro\n`)
    expect(() => replaceSection('nothing', 't', 'x')).toThrow(/no generated section/)
  })
})

import { describe, expect, it } from '@jest/globals'
import { metricValue, parsePrometheusText, PromParseError, samplesOf, sampleValue } from './prom.js'

const TEXT = `# HELP lattice_http_sync_tls_rejected_total refusals
# TYPE lattice_http_sync_tls_rejected_total counter
lattice_http_sync_tls_rejected_total{reason="UNABLE_TO_VERIFY_LEAF_SIGNATURE"} 3
lattice_http_sync_tls_rejected_total{reason="CERT_HAS_EXPIRED"} 1
lattice_node_peers 2
lattice_odd{path="a,b}c",quote="say \\"hi\\"",nl="x\\ny"} 1.5e3 1700000000000
lattice_bucket{le="+Inf"} +Inf
`

describe('Prometheus text', () => {
  it('parses names, labels with escapes, values and timestamps', () => {
    const samples = parsePrometheusText(TEXT)
    expect(samples).toHaveLength(5)
    expect(samples[3]).toEqual({ name: 'lattice_odd', labels: { path: 'a,b}c', quote: 'say "hi"', nl: 'x\ny' }, value: 1500 })
    expect(samples[4]?.value).toBe(Infinity)
  })

  it('sums the samples whose labels include the given ones', () => {
    expect(metricValue(TEXT, 'lattice_http_sync_tls_rejected_total')).toBe(4)
    expect(metricValue(TEXT, 'lattice_http_sync_tls_rejected_total', { reason: 'CERT_HAS_EXPIRED' })).toBe(1)
    expect(metricValue(TEXT, 'lattice_node_peers')).toBe(2)
    expect(metricValue(TEXT, 'lattice_absent')).toBe(0)
    expect(samplesOf(TEXT, 'lattice_node_peers', { x: 'y' })).toEqual([])
    expect(sampleValue(TEXT, 'lattice_absent')).toBeUndefined()
    expect(sampleValue(TEXT, 'lattice_node_peers')).toBe(2)
  })

  it('refuses a line that is not a sample', () => {
    expect(() => parsePrometheusText('lattice_x{a=1} 2')).toThrow(PromParseError)
    expect(() => parsePrometheusText('lattice_x')).toThrow(PromParseError)
  })
})

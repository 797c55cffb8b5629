/**
 * The Prometheus text exposition format (version 0.0.4), as far as tests read it: one sample per
 * line, `name{label="value",...} value [timestamp]`, comments and blank lines skipped.
 */

export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

export class PromParseError extends Error {
  override readonly name = 'PromParseError'
  constructor (readonly line: string, reason: string) {
    super(`not a Prometheus sample line (${reason}): ${line}`)
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/

/** Every sample of an exposition; throws PromParseError on a line that is not one. */
export function parsePrometheusText (text: string): PromSample[] {
  const samples: PromSample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    samples.push(parseSampleLine(line))
  }
  return samples
}

function parseSampleLine (line: string): PromSample {
  const name = NAME.exec(line)?.[0]
  if (name === undefined) throw new PromParseError(line, 'no metric name')
  let rest = line.slice(name.length)
  const labels: Record<string, string> = {}
  if (rest.startsWith('{')) {
    rest = rest.slice(1)
    for (;;) {
      rest = rest.replace(/^[\s,]+/, '')
      if (rest.startsWith('}')) { rest = rest.slice(1); break }
      const label = LABEL_NAME.exec(rest)?.[0]
      if (label === undefined || rest[label.length] !== '=' || rest[label.length + 1] !== '"') throw new PromParseError(line, 'bad label')
      rest = rest.slice(label.length + 2)
      let value = ''
      let i = 0
      for (; i < rest.length && rest[i] !== '"'; i++) {
        if (rest[i] === '\\') {
          const next = rest[++i]
          value += next === 'n' ? '\n' : next ?? ''
        } else {
          value += rest[i]
        }
      }
      if (i >= rest.length) throw new PromParseError(line, 'unterminated label value')
      labels[label] = value
      rest = rest.slice(i + 1)
    }
  }
  const value = rest.trim().split(/\s+/)[0]
  if (value === undefined || value === '') throw new PromParseError(line, 'no value')
  return { name, labels, value: parseValue(value) }
}

function parseValue (s: string): number {
  if (s === '+Inf') return Infinity
  if (s === '-Inf') return -Infinity
  return Number(s)
}

/** The samples named `name` whose labels include every pair of `labels`. */
export function samplesOf (text: string, name: string, labels: Record<string, string> = {}): PromSample[] {
  return parsePrometheusText(text).filter(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

/** Sum of the samples named `name` whose labels include `labels` (0 when there are none). */
export function metricValue (text: string, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(text, name, labels).reduce((sum, s) => sum + s.value, 0)
}

/** Like metricValue, but undefined when no sample matches (to tell "0" from "not exported"). */
export function sampleValue (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = samplesOf(text, name, labels)
  return samples.length === 0 ? undefined : samples.reduce((sum, s) => sum + s.value, 0)
}

/** metricValue over what a prom-client registry (or anything with `metrics()`) exposes right now. */
export async function registryValue (registry: { metrics: () => Promise<string> }, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await registry.metrics(), name, labels)
}

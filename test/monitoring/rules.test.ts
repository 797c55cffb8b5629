// The alert rules against the real promtool and amtool (Debian packages `prometheus` and
// `prometheus-alertmanager`; test/monitoring/install-promtool.sh installs them).
import { describe, expect, it, beforeAll, afterAll } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import yaml from 'js-yaml'
import { repoRoot } from './repo-root.js'

interface AlertRule {
  alert?: string
  record?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
interface RuleFile { groups: Array<{ name: string, rules: AlertRule[] }> }
interface AlertRuleTest { eval_time: string, alertname: string, exp_alerts?: unknown[] }
interface RuleTestFile { rule_files: string[], tests: Array<{ alert_rule_test?: AlertRuleTest[] }> }

const ROOT = repoRoot()
const RULES = join(ROOT, 'manifests/monitoring/lattice-rules.yaml')
const RULE_TESTS = join(ROOT, 'test/monitoring/lattice-rules.test.yaml')
const ROUTE = join(ROOT, 'manifests/monitoring/alertmanager-route.yaml')
const RUNBOOKS = join(ROOT, 'docs/runbooks')
const RUNBOOK_BASE = 'https://github.com/diotec360/lattice/blob/main/docs/runbooks/'
const SECTIONS = ['Meaning', 'Impact', 'Diagnosis', 'Mitigation']

interface Run { status: number | null, out: string }
function run (cmd: string, args: string[]): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 })
  if (r.error != null && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${cmd} not found on PATH: run test/monitoring/install-promtool.sh (Debian packages prometheus, prometheus-alertmanager)`)
  }
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` }
}

/** Prometheus durations as used in the rules: 90s, 2m, 1h30m. */
function seconds (d: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }
  let total = 0
  const re = /(\d+)(ms|s|m|h|d)/g
  let consumed = ''
  for (let m = re.exec(d); m != null; m = re.exec(d)) {
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1)
    consumed += m[0]
  }
  if (consumed !== d) throw new Error(`bad duration ${d}`)
  return total
}
function duration (s: number): string { return `${s}s` }

const ruleFile = yaml.load(readFileSync(RULES, 'utf8')) as RuleFile
const alerts = ruleFile.groups.flatMap(g => g.rules).filter((r): r is AlertRule & { alert: string } => r.alert != null)
const ruleTests = yaml.load(readFileSync(RULE_TESTS, 'utf8')) as RuleTestFile

describe('lattice alert rules', () => {
  it('has the six alerts of the contract and the own-records alert', () => {
    expect(alerts.map(a => a.alert).sort()).toEqual([
      'LatticeHTTPSyncFailure', 'LatticeNodeDown', 'LatticeNodeOwnRecordsLost', 'LatticeOperatorDown', 'LatticeOperatorReconcileErrors', 'LatticeP2PPeerLoss',
      'LatticeStateDivergence'
    ])
  })

  it('keeps the seed\'s severities and durations', () => {
    const byName = new Map(alerts.map(a => [a.alert, a]))
    expect(byName.get('LatticeP2PPeerLoss')?.labels?.severity).toBe('warning')
    expect(seconds(byName.get('LatticeP2PPeerLoss')?.for ?? '0s')).toBe(60)
    expect(byName.get('LatticeHTTPSyncFailure')?.labels?.severity).toBe('critical')
    expect(seconds(byName.get('LatticeHTTPSyncFailure')?.for ?? '0s')).toBe(120)
    expect(byName.get('LatticeStateDivergence')?.labels?.severity).toBe('critical')
    expect(byName.get('LatticeNodeDown')?.labels?.severity).toBe('warning')
    expect(byName.get('LatticeOperatorReconcileErrors')?.labels?.severity).toBe('warning')
    expect(byName.get('LatticeOperatorDown')?.labels?.severity).toBe('critical')
    expect(byName.get('LatticeNodeOwnRecordsLost')?.labels?.severity).toBe('warning')
  })

  it('passes promtool check rules', () => {
    const r = run('promtool', ['check', 'rules', RULES])
    expect(r.out).toContain(`SUCCESS: ${ruleFile.groups.flatMap(g => g.rules).length} rules found`)
    expect(r.status).toBe(0)
  })

  it('passes promtool test rules (every alert at its boundary)', () => {
    const r = run('promtool', ['test', 'rules', RULE_TESTS])
    expect(r.out).toContain('SUCCESS')
    expect(r.status).toBe(0)
  })

  it.each(alerts.map(a => [a.alert, a] as const))('%s has severity, summary, description and a runbook with the four sections', (name, rule) => {
    expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity)
    expect(rule.annotations?.summary?.trim()).toBeTruthy()
    expect(rule.annotations?.description?.trim()).toBeTruthy()
    expect(rule.annotations?.runbook_url).toBe(`${RUNBOOK_BASE}${name}.md`)
    const runbook = join(RUNBOOKS, `${name}.md`)
    expect(existsSync(runbook)).toBe(true)
    const text = readFileSync(runbook, 'utf8')
    expect(text.split('\n')[0]).toBe(`# ${name}`)
    const positions = SECTIONS.map(s => text.search(new RegExp(`^## ${s}\\s*$`, 'm')))
    for (const p of positions) expect(p).toBeGreaterThan(0)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    // The runbook names its alert's severity and gives real commands.
    expect(text).toContain(`**${rule.labels?.severity ?? ''}**`)
    expect(text).toMatch(/kubectl (get|describe|logs)/)
  })

  it('tests every alert both silent and firing', () => {
    const cases = ruleTests.tests.flatMap(t => t.alert_rule_test ?? [])
    for (const a of alerts) {
      const mine = cases.filter(c => c.alertname === a.alert)
      expect({ alert: a.alert, firing: mine.some(c => (c.exp_alerts ?? []).length > 0) }).toEqual({ alert: a.alert, firing: true })
      expect({ alert: a.alert, silent: mine.some(c => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert: a.alert, silent: true })
    }
  })

  it('lists every alert in the runbook index', () => {
    const index = readFileSync(join(RUNBOOKS, 'README.md'), 'utf8')
    for (const a of alerts) expect(index).toContain(`[${a.alert}](${a.alert}.md)`)
  })
})

// The promtool tests must bite: an alert whose `for` is halved fires too early, one whose `for` is doubled
// fires too late; both must make `promtool test rules` fail.
describe('promtool tests catch a wrong `for`', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-rules-'))
    mkdirSync(join(dir, 'manifests/monitoring'), { recursive: true })
    mkdirSync(join(dir, 'test/monitoring'), { recursive: true })
    cpSync(RULE_TESTS, join(dir, 'test/monitoring/lattice-rules.test.yaml'))
  })
  afterAll(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }) })

  const mutations = alerts.flatMap(a => [[a.alert, 0.5] as const, [a.alert, 2] as const])
  it.each(mutations)('%s with for x %d fails', (name, factor) => {
    const mutated = structuredClone(ruleFile)
    for (const rule of mutated.groups.flatMap(g => g.rules)) {
      if (rule.alert === name) rule.for = duration(seconds(rule.for ?? '0s') * factor)
    }
    writeFileSync(join(dir, 'manifests/monitoring/lattice-rules.yaml'), yaml.dump(mutated))
    const r = run('promtool', ['test', 'rules', join(dir, 'test/monitoring/lattice-rules.test.yaml')])
    expect(r.out).toContain(name)
    expect(r.status).not.toBe(0)
  })
})

describe('alertmanager example route', () => {
  it('passes amtool check-config', () => {
    const r = run('amtool', ['check-config', ROUTE])
    expect(r.out).toContain('SUCCESS')
    expect(r.status).toBe(0)
  })

  it.each(alerts.map(a => [a.alert, a.labels?.severity ?? ''] as const))('routes %s (%s) to the pager only when critical', (name, severity) => {
    const receiver = severity === 'critical' ? 'lattice-pager' : 'lattice-chat'
    const r = run('amtool', ['config', 'routes', 'test', `--config.file=${ROUTE}`, `--verify.receivers=${receiver}`,
      `alertname=${name}`, `severity=${severity}`, 'namespace=ledger', 'network=aethel', 'node=aethel-0'])
    expect(r.out).toContain(receiver)
    expect(r.status).toBe(0)
  })
})

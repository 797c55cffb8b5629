/** Percentiles and formatting shared by the benchmarks. */
export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]
}

export function summary (values: number[]): { p50: number, p99: number, max: number, n: number } {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, n: sorted.length }
}

export const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** A line `name: value unit (goal: …, ratio …)`: figures and their ratio to the goal, never pass/fail. */
export function report (name: string, value: number, unit: string, goal?: { value: number, better: 'higher' | 'lower' }): void {
  let line = `${name}: ${fmt(value, value < 10 ? 2 : 0)} ${unit}`
  if (goal !== undefined) {
    const ratio = goal.better === 'higher' ? value / goal.value : goal.value / value
    line += ` (goal ${goal.better === 'higher' ? '>=' : '<='} ${fmt(goal.value, goal.value < 10 ? 2 : 0)} ${unit}; ${fmt(ratio, 2)}x of goal)`
  }
  console.log(line)
}

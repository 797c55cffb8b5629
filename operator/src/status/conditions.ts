/** metav1.Condition helpers: lastTransitionTime moves only when status moves. Pure (time injected). */
import type { Condition, ConditionStatus } from '../api/types.js'

export interface ConditionInput {
  type: string
  status: ConditionStatus
  reason: string
  message: string
}

export function findCondition (conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find(c => c.type === type)
}

/** Returns a new list with `input` set; other conditions keep their place. */
export function setCondition (conditions: readonly Condition[] | undefined, input: ConditionInput, observedGeneration: number | undefined, now: Date): Condition[] {
  const list = [...(conditions ?? [])]
  const i = list.findIndex(c => c.type === input.type)
  const prev = i >= 0 ? list[i] : undefined
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime: prev !== undefined && prev.status === input.status ? prev.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    reason: input.reason,
    message: input.message
  }
  if (i >= 0) list[i] = next
  else list.push(next)
  return list
}

export function setConditions (conditions: readonly Condition[] | undefined, inputs: readonly ConditionInput[], observedGeneration: number | undefined, now: Date): Condition[] {
  let list = [...(conditions ?? [])]
  for (const c of inputs) list = setCondition(list, c, observedGeneration, now)
  return list
}

/** The conditions whose status changed between two lists (for Events on transitions). */
export function transitions (before: readonly Condition[] | undefined, after: readonly Condition[]): Array<{ condition: Condition, previous: ConditionStatus | undefined }> {
  const out: Array<{ condition: Condition, previous: ConditionStatus | undefined }> = []
  for (const c of after) {
    const prev = findCondition(before, c.type)
    if (prev?.status !== c.status) out.push({ condition: c, previous: prev?.status })
  }
  return out
}

/**
 * Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion), as applied
 * to env values, command and args: `$(NAME)` becomes the value of NAME when it is defined and
 * stays as written otherwise; `$$` is an escaped `$`. Pure.
 */
export function expand (input: string, lookup: (name: string) => string | undefined): string {
  let out = ''
  let i = 0
  while (i < input.length) {
    const c = input[i]
    if (c !== '$' || i + 1 >= input.length) {
      out += c
      i++
      continue
    }
    const next = input[i + 1]
    if (next === '$') {
      out += '$'
      i += 2
      continue
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2)
      if (close < 0) {
        // Unterminated reference: kept verbatim.
        out += input.slice(i)
        break
      }
      const name = input.slice(i + 2, close)
      const value = name === '' ? undefined : lookup(name)
      out += value ?? `$(${name})`
      i = close + 1
      continue
    }
    out += c
    i++
  }
  return out
}

/** A lookup over env entries defined so far (later definitions win). */
export function mappingOf (env: ReadonlyMap<string, string>): (name: string) => string | undefined {
  return name => env.get(name)
}

import { describe, expect, it } from '@jest/globals'
import { expand } from './expand.js'

const vars = new Map([['POD_IP', '127.0.0.5'], ['PORT', '8080']])
const lookup = (n: string): string | undefined => vars.get(n)

describe('expand ($(VAR) as Kubernetes does it)', () => {
  it('substitutes defined variables', () => {
    expect(expand('$(POD_IP):$(PORT)', lookup)).toBe('127.0.0.5:8080')
  })
  it('keeps undefined references verbatim', () => {
    expect(expand('x=$(NOPE)', lookup)).toBe('x=$(NOPE)')
  })
  it('treats $$ as an escaped dollar', () => {
    expect(expand('$$(POD_IP) costs $$5', lookup)).toBe('$(POD_IP) costs $5')
  })
  it('keeps unterminated references and lone dollars', () => {
    expect(expand('a $(POD_IP b $ c', lookup)).toBe('a $(POD_IP b $ c')
    expect(expand('end$', lookup)).toBe('end$')
  })
})

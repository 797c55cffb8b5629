import { describe, expect, it } from '@jest/globals'
import { containerLogLines } from './server.js'

describe('containerLogLines', () => {
  const text = '--- 2026-01-01T00:00:00.000Z start #0: node x.js\na\nb\n--- 2026-01-01T00:00:05.000Z start #1: node x.js\nc\n'
  it('drops the kubelet restart markers', () => {
    expect(containerLogLines(text)).toBe('a\nb\nc\n')
  })
  it('keeps the last tailLines lines', () => {
    expect(containerLogLines(text, 2)).toBe('b\nc\n')
    expect(containerLogLines(text, 0)).toBe('')
  })
})

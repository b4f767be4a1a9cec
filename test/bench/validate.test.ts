import { describe, expect, it } from 'vitest'
import { validateBenchLines } from '../../bench/lib/validate.js'

describe('bench line validation', () => {
  it('accepts a line with our figure, a peer figure and its ratio', () => {
    const line = JSON.stringify({ case: 'x', mtactor_ops: 10, mtcute_ops: 5, ratio_vs_mtcute: 2 })
    expect(validateBenchLines(`${line}\n`)).toEqual([])
  })
  it('rejects empty output, missing ratio, missing peer figure, NaN and zero', () => {
    expect(validateBenchLines('')).toHaveLength(1)
    expect(validateBenchLines(JSON.stringify({ case: 'x', mtactor_ops: 1 }))).not.toEqual([])
    expect(validateBenchLines(JSON.stringify({ case: 'x', mtactor_ops: 1, ratio_vs_gramjs: 1 }))).not.toEqual([])
    expect(validateBenchLines('{"case":"x","mtactor_ops":null,"mtcute_ops":1,"ratio_vs_mtcute":1}')).not.toEqual([])
    expect(validateBenchLines(JSON.stringify({ case: 'x', mtactor_ops: 0, mtcute_ops: 1, ratio_vs_mtcute: 0 }))).not.toEqual([])
    expect(validateBenchLines('progress text')).not.toEqual([])
  })
})

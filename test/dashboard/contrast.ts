import type { Page } from 'playwright-core'

/**
 * WCAG contrast ratio of an element's text colour against its own background, as the browser
 * computed them (after the stylesheet and the colour scheme applied).
 */
export async function textContrast (page: Page, selector: string): Promise<number> {
  const colours = await page.$eval(selector, (node) => {
    const style = getComputedStyle(node)
    return { fg: style.color, bg: style.backgroundColor }
  })
  return contrastRatio(parseRgb(colours.fg), parseRgb(colours.bg))
}

function parseRgb (css: string): [number, number, number] {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(css)
  if (m === null) throw new Error(`unexpected colour ${css}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

function luminance ([r, g, b]: [number, number, number]): number {
  const lin = (c: number): number => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4)
  }
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

export function contrastRatio (a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

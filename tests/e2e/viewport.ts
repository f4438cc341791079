import type { Page } from "playwright-core";
import { expect } from "vitest";

/** The screens issue 13 promises: a phone, a small tablet/laptop and a desktop. */
export const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "tablet", width: 1024, height: 768 },
  { name: "desktop", width: 1440, height: 900 },
] as const;

export type Size = (typeof SIZES)[number];

/** How far the page reaches past the viewport's right edge, in CSS pixels (0 when it does not scroll sideways). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Fails when the page scrolls sideways, naming the widest elements that stick out so the cause is in the message. */
export async function expectNoHorizontalScroll(page: Page, label = page.url()) {
  const overflow = await horizontalOverflow(page);
  if (overflow <= 0) return;
  const culprits = await page.evaluate(() => {
    const width = window.innerWidth;
    return [...document.querySelectorAll("body *")]
      .map((el) => ({ el, right: el.getBoundingClientRect().right }))
      .filter(({ el, right }) => right > width + 1 && !el.closest(".table-scroll, [data-scrolls-x]"))
      .sort((a, b) => b.right - a.right)
      .slice(0, 5)
      .map(
        ({ el, right }) =>
          `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""} (${Math.round(right)}px)`,
      );
  });
  expect(overflow, `${label} scrolls sideways by ${overflow}px; widest: ${culprits.join(", ")}`).toBeLessThanOrEqual(0);
}

/** Runs `fn` once per size (default: all three), resizing the page first; the page keeps the last size. */
export async function atSizes(page: Page, fn: (size: Size) => Promise<void>, sizes: readonly Size[] = SIZES) {
  for (const size of sizes) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await fn(size);
  }
}

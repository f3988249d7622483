/**
 * A horizontally scrolling wrapper for wide tables on narrow screens. It is focusable and named
 * so keyboard users can scroll it too (axe: scrollable-region-focusable).
 */
import type { ComponentChildren } from "preact";

export function ScrollBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section class="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

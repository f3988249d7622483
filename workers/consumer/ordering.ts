/**
 * Measures what the consumer tolerates in a batch: per `(stream, key)`, events that repeat
 * a seq already seen (redelivery, a resend after a crash) and events arriving after a
 * later seq of their key. Both are then written once, in seq order (`groupByKey`).
 */
import type { Envelope } from "../../shared/events/envelope.ts";

export interface Ordering {
  duplicates: number;
  outOfOrder: number;
}

export function measureOrdering(events: readonly Envelope[]): Ordering {
  const keys = new Map<string, { seen: Set<number>; highest: number }>();
  const out: Ordering = { duplicates: 0, outOfOrder: 0 };
  for (const e of events) {
    const id = `${e.stream}\u0000${e.key}`;
    let key = keys.get(id);
    if (!key) {
      key = { seen: new Set(), highest: 0 };
      keys.set(id, key);
    }
    if (key.seen.has(e.seq)) out.duplicates++;
    else if (e.seq < key.highest) out.outOfOrder++;
    key.seen.add(e.seq);
    key.highest = Math.max(key.highest, e.seq);
  }
  return out;
}

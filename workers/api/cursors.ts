/**
 * Opaque page cursors: base64url of the sort key of the last row of a page. A cursor that
 * is not one this API gave out is a 400 `invalid_request` naming `cursor`.
 */
import { textFromBase64url, textToBase64url } from "../../shared/encoding.ts";
import type { TimeKey } from "./history/queries.ts";
import { problemException } from "./problem.ts";

const CURSOR_MESSAGE = "cursor must be a next_cursor from a previous page";

/** Cursor of a time-sorted page: `<epoch ms>:<id>`. */
export function encodeTimeKey(key: TimeKey): string {
  return textToBase64url(`${key.ms}:${key.id}`);
}

/** The key in a time cursor, or a 400 naming `cursor`. */
export function decodeTimeKey(cursor: string): TimeKey {
  const text = textFromBase64url(cursor) ?? "";
  const match = /^(0|[1-9][0-9]{0,15}):([A-Za-z0-9._:-]{1,64})$/.exec(text);
  const ms = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(ms)) throw invalidCursor();
  return { ms, id: match[2] as string };
}

/** Cursor of an id-sorted page (ledger entries, trades, orders). */
export function encodeId(id: number): string {
  return textToBase64url(String(id));
}

/** The id in an id cursor, or a 400 naming `cursor`. */
export function decodeId(cursor: string): number {
  const text = textFromBase64url(cursor) ?? "";
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) throw invalidCursor();
  return Number(text);
}

/** The `before` id of an id-sorted page's query, from its optional cursor. */
export function beforeId(cursor: string | undefined): number | undefined {
  return cursor === undefined ? undefined : decodeId(cursor);
}

/** The cursor of the page after one that ended before `nextBefore` (null: the last page). */
export function nextIdCursor(nextBefore: number | null): string | null {
  return nextBefore === null ? null : encodeId(nextBefore);
}

function invalidCursor() {
  return problemException("invalid_request", `Invalid query: cursor: ${CURSOR_MESSAGE}`, {
    extensions: { errors: [{ field: "cursor", message: CURSOR_MESSAGE }] },
  });
}

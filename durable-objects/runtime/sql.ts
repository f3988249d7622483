/**
 * A small tagged-template helper over a Durable Object's SQLite (`ctx.storage.sql`).
 * Values are always bound parameters, never interpolated; a failing statement is
 * rethrown with its text so the log says which query broke.
 *
 * With the var `SQL_PROFILE="true"` (`npm run profile:orders` only) every statement
 * runs through `sql-profile.ts`, which counts it and gives it its own call site in a
 * CPU profile.
 */
import { env } from "cloudflare:workers";
import { execProfiled } from "./sql-profile.ts";

export type SqlValue = string | number | null | ArrayBuffer;

export interface Sql {
  /** Runs a statement and returns its rows. */
  <Row extends Record<string, SqlValue>>(strings: TemplateStringsArray, ...values: SqlValue[]): Row[];
  /** Runs a statement and returns the first row, if any. */
  one<Row extends Record<string, SqlValue>>(strings: TemplateStringsArray, ...values: SqlValue[]): Row | undefined;
}

const profiling = (env as { SQL_PROFILE?: string } | undefined)?.SQL_PROFILE === "true";

/** Statement texts by call site: `strings` is one frozen array per template literal, so this is a cheap cache. */
const texts = new WeakMap<TemplateStringsArray, string>();

/**
 * Runs `write`, which writes synchronously, as part of the object's implicit transaction:
 * everything written in this turn of the event loop commits atomically, in one commit with
 * whatever else the object wrote before the commit runs (workerd commits once the turn
 * ends; concurrent calls coalesce), and the output gate holds every reply and outgoing
 * call until it is durable. `transactionSync` would commit on its own, once per call.
 *
 * If `write` throws half-way, nothing of the turn may commit: the object is reset
 * (`ctx.abort`), its uncommitted writes are discarded, and it starts from storage again.
 */
export function atomically<T>(ctx: DurableObjectState, write: () => T): T {
  try {
    return write();
  } catch (err) {
    ctx.abort(`a write failed half-way, so nothing of this turn commits: ${String(err)}`);
    throw err;
  }
}

export function sqlOver(storage: SqlStorage): Sql {
  const run = <Row extends Record<string, SqlValue>>(strings: TemplateStringsArray, values: SqlValue[]): Row[] => {
    let text = texts.get(strings);
    if (text === undefined) {
      text = strings.join("?");
      texts.set(strings, text);
    }
    try {
      if (profiling) return execProfiled(storage, text, values) as Row[];
      return storage.exec<Row>(text, ...values).toArray();
    } catch (err) {
      throw new Error(`SQL failed: ${text.replace(/\s+/g, " ").trim()}: ${String(err)}`, { cause: err });
    }
  };
  const sql = ((strings: TemplateStringsArray, ...values: SqlValue[]) => run(strings, values)) as Sql;
  sql.one = <Row extends Record<string, SqlValue>>(strings: TemplateStringsArray, ...values: SqlValue[]) =>
    run<Row>(strings, values)[0];
  return sql;
}

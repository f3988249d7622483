/**
 * A small tagged-template helper over a Durable Object's SQLite (`ctx.storage.sql`).
 * Values are always bound parameters, never interpolated; a failing statement is
 * rethrown with its text so the log says which query broke.
 */
export type SqlValue = string | number | null | ArrayBuffer;

export interface Sql {
  /** Runs a statement and returns its rows. */
  <Row extends Record<string, SqlValue>>(strings: TemplateStringsArray, ...values: SqlValue[]): Row[];
  /** Runs a statement and returns the first row, if any. */
  one<Row extends Record<string, SqlValue>>(strings: TemplateStringsArray, ...values: SqlValue[]): Row | undefined;
}

export function sqlOver(storage: SqlStorage): Sql {
  const run = <Row extends Record<string, SqlValue>>(strings: TemplateStringsArray, values: SqlValue[]): Row[] => {
    const text = strings.join("?");
    try {
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

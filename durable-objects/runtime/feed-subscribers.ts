/**
 * The feed objects registered to receive an object's pushes (a book's relays and
 * shards, a relay's shards), kept in its SQLite table `feed_shards (name, since)`.
 * Each registration gets a newer generation, so a stale "not subscribed" answer to an
 * older push cannot drop a newer registration.
 */
import type { Sql } from "./sql.ts";

export const FEED_SUBSCRIBERS_TABLE = "CREATE TABLE feed_shards (name TEXT PRIMARY KEY, since INTEGER NOT NULL);";

export class FeedSubscribers {
  private readonly sql: Sql;
  private registered = new Map<string, number>();

  constructor(sql: Sql) {
    this.sql = sql;
  }

  /** Reads the registrations back (after the object loads). */
  load(): void {
    this.registered = new Map(
      this.sql<{ name: string; since: number }>`SELECT name, since FROM feed_shards`.map((r) => [r.name, r.since]),
    );
  }

  get size(): number {
    return this.registered.size;
  }

  has(name: string): boolean {
    return this.registered.has(name);
  }

  list(): Array<{ name: string; generation: number }> {
    return [...this.registered].map(([name, generation]) => ({ name, generation }));
  }

  /** Registers `name` (again) with a generation newer than any held. */
  register(name: string): number {
    let top = 0;
    for (const since of this.registered.values()) top = Math.max(top, since);
    const generation = Math.max(top, Date.now()) + 1;
    this.sql`INSERT INTO feed_shards (name, since) VALUES (${name}, ${generation})
             ON CONFLICT (name) DO UPDATE SET since = excluded.since`;
    this.registered.set(name, generation);
    return generation;
  }

  remove(name: string): void {
    this.sql`DELETE FROM feed_shards WHERE name = ${name}`;
    this.registered.delete(name);
  }

  /** Forgets `name`, unless it registered again after `generation` (a newer subscription wins). */
  drop(name: string, generation: number): void {
    if ((this.registered.get(name) ?? Number.POSITIVE_INFINITY) > generation) return;
    this.sql`DELETE FROM feed_shards WHERE name = ${name} AND since <= ${generation}`;
    this.registered.delete(name);
  }
}

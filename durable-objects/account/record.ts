/**
 * The account's own row: who it is, its kill switch and its dead-man deadline. An
 * object reached only by unknown credentials has none and never writes one.
 */
import type { Sql } from "../runtime/sql.ts";
import type { AccountInfo, TradingSwitch } from "./contract.ts";

export interface AccountRow extends Record<string, string | number | null> {
  account_id: string;
  name: string | null;
  created_at: number;
  trading_enabled: number;
  trading_changed_at: number | null;
  cancel_after_at: number | null;
}

export class AccountRecord {
  private readonly sql: Sql;
  row: AccountRow | undefined;

  constructor(sql: Sql) {
    this.sql = sql;
  }

  load(): void {
    this.row = this.sql.one<AccountRow>`
      SELECT account_id, name, created_at, trading_enabled, trading_changed_at, cancel_after_at FROM account WHERE id = 1`;
  }

  /** Creates the row (the caller checked there is none). */
  create(account: string, name: string | null, now: number): void {
    this.sql`INSERT INTO account (id, account_id, name, created_at) VALUES (1, ${account}, ${name}, ${now})`;
    this.row = {
      account_id: account,
      name,
      created_at: now,
      trading_enabled: 1,
      trading_changed_at: null,
      cancel_after_at: null,
    };
  }

  /** Refuses a call addressed to another account than the one this object holds. */
  check(account: string): void {
    if (this.row && this.row.account_id !== account) {
      throw new Error(
        `This Account object holds ${this.row.account_id}, not ${account}: address it with accountStub(env.ACCOUNT, account).`,
      );
    }
  }

  info(): AccountInfo {
    const row = this.row as AccountRow;
    return { account_id: row.account_id, name: row.name, created_at: new Date(row.created_at).toISOString() };
  }

  get tradingEnabled(): boolean {
    return this.row?.trading_enabled === 1;
  }

  /** Sets the kill switch (a change only when it changes) and answers its state. */
  setTrading(enabled: boolean, now: number): TradingSwitch {
    const row = this.row as AccountRow;
    if ((row.trading_enabled === 1) !== enabled) {
      this.sql`UPDATE account SET trading_enabled = ${enabled ? 1 : 0}, trading_changed_at = ${now} WHERE id = 1`;
      row.trading_enabled = enabled ? 1 : 0;
      row.trading_changed_at = now;
    }
    const at = row.trading_changed_at;
    return {
      ok: true,
      account_id: row.account_id,
      trading_enabled: row.trading_enabled === 1,
      changed_at: at === null ? null : new Date(at).toISOString(),
      changed_at_ms: at,
    };
  }

  /** The dead-man deadline, epoch ms, or null when disarmed. */
  get cancelAfterAt(): number | null {
    return this.row?.cancel_after_at ?? null;
  }

  set cancelAfterAt(at: number | null) {
    this.sql`UPDATE account SET cancel_after_at = ${at} WHERE id = 1`;
    (this.row as AccountRow).cancel_after_at = at;
  }
}

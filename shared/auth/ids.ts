/**
 * Identifier formats of the Account object. An API key id and a refresh token
 * both carry their account id, so the edge reaches the right object without a
 * lookup table: `k_<account>_<24 hex>` and `r_<account>_<64 hex>`.
 */
import { toBase64url, toHex } from "../encoding.ts";
/** Account ids: letters, digits, `.` and `-` (no `_`, which separates the parts of key ids), 1–64 characters. */
import { ACCOUNT_ID } from "./id-format.ts";

export { ACCOUNT_ID };

const KEY_ID = /^k_([A-Za-z0-9][A-Za-z0-9.-]{0,63})_([0-9a-f]{24})$/;
const REFRESH_TOKEN = /^r_([A-Za-z0-9][A-Za-z0-9.-]{0,63})_([0-9a-f]{64})$/;

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}

/** A fresh account id: `acct-` and 16 hex digits. */
export function newAccountId(): string {
  return `acct-${randomHex(8)}`;
}

export function newKeyId(account: string): string {
  return `k_${account}_${randomHex(12)}`;
}

/** The account an API key id belongs to, or undefined if it is not a key id. */
export function accountOfKeyId(keyId: string): string | undefined {
  return KEY_ID.exec(keyId)?.[1];
}

export function newRefreshToken(account: string): string {
  return `r_${account}_${randomHex(32)}`;
}

/** The account a refresh token belongs to, or undefined if it is not one. */
export function accountOfRefreshToken(token: string): string | undefined {
  return REFRESH_TOKEN.exec(token)?.[1];
}

/** A new API secret: `s_` and 32 random bytes, base64url. Shown once, never stored. */
export function newSecret(): string {
  return `s_${toBase64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** A new refresh-token family id. */
export function newFamilyId(): string {
  return `f_${randomHex(16)}`;
}

export function randomHex(bytes: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Addressing the Account object: one per account, by name. */
import type { Account } from "./index.ts";

/** The Account object of an account. */
export function accountStub(ns: DurableObjectNamespace<Account>, account: string): DurableObjectStub<Account> {
  return ns.getByName(account);
}

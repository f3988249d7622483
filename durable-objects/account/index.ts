/**
 * Account: one Durable Object per account. Holds the account's API keys,
 * refresh-token families and signed-request nonces (gateway auth); balances,
 * holds and the ledger arrive with order entry.
 */
import { DurableObject } from "cloudflare:workers";

export class Account extends DurableObject {}

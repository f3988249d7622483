/**
 * Groups a shard's `order.place` requests per account: the first of a quiet moment
 * goes alone at once; those that arrive while a call is in flight go together in
 * the next `Account.placeOrders`, which commits their holds in one transaction and
 * sends them to each book in one submit. Each request still gets its own outcome,
 * in the order the requests arrived, and meets the account's order budget on its own
 * (`admission: "each"`): a group is never refused whole.
 */

import type { NewOrder } from "../../shared/orders/input.ts";
import type { Account, CallOptions, OrderOutcome } from "../account/index.ts";

/** Most orders one `placeOrders` call carries. */
const MAX_GROUP = 50;

export type PlaceRpc = Pick<Account, "placeOrder" | "placeOrders">;

interface Waiting {
  order: NewOrder;
  resolve: (outcome: unknown) => void;
  reject: (err: unknown) => void;
}

export class PlaceBatcher {
  private readonly rpc: (account: string) => PlaceRpc;
  /** The shard's configuration versions, passed with each call (CallOptions.config_versions). */
  private readonly configHints: () => CallOptions["config_versions"];
  private readonly lanes = new Map<string, { busy: boolean; queued: Waiting[] }>();

  constructor(rpc: (account: string) => PlaceRpc, configHints: () => CallOptions["config_versions"] = () => undefined) {
    this.rpc = rpc;
    this.configHints = configHints;
  }

  /** The account's outcome for `order` (as `placeOrder` answers it). */
  place(account: string, order: NewOrder): Promise<unknown> {
    let lane = this.lanes.get(account);
    if (!lane) {
      lane = { busy: false, queued: [] };
      this.lanes.set(account, lane);
    }
    const queued = lane.queued;
    const answer = new Promise<unknown>((resolve, reject) => queued.push({ order, resolve, reject }));
    if (!lane.busy) void this.drain(account, lane);
    return answer;
  }

  private async drain(account: string, lane: { busy: boolean; queued: Waiting[] }): Promise<void> {
    lane.busy = true;
    try {
      while (lane.queued.length > 0) {
        const group = lane.queued.splice(0, MAX_GROUP);
        try {
          const config_versions = this.configHints();
          const hints: CallOptions = config_versions ? { config_versions } : {};
          if (group.length === 1) {
            const only = group[0] as Waiting;
            only.resolve(await this.rpc(account).placeOrder(account, only.order, hints));
            continue;
          }
          const outcome = await this.rpc(account).placeOrders(
            account,
            group.map((w) => w.order),
            { admission: "each", ...hints },
          );
          for (const [i, w] of group.entries()) {
            // A refusal of the whole call (an unknown account) answers every order.
            w.resolve(outcome.ok && "results" in outcome ? (outcome.results[i] as OrderOutcome) : outcome);
          }
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      lane.busy = false;
      if (lane.queued.length === 0) this.lanes.delete(account);
    }
  }
}

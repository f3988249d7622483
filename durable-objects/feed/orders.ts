/**
 * Order entry over the feed socket: `order.place`, `order.cancel`,
 * `order.amend` and `order.cancel_all`, each validated here with the same zod
 * schemas as the HTTP API and GraphQL (`shared/orders/input.ts`,
 * `shared/operations/order-ref.ts`; a failure is `invalid_params` and never reaches the
 * account), then run by the Account object's order desk exactly as an HTTP
 * request would be. The reply carries the desk's outcome: `{order, fills,
 * replayed}` (`{cancelled}` for cancel-all), or its error with the desk's
 * stable code (`order_rejected`, `order_not_found`, …) and details.
 *
 * Cancel-on-disconnect (`auth` with `cancel_on_disconnect: true`, or
 * `session.cancel_on_disconnect`) is kept in the socket's attachment; when the
 * socket closes or errors, even after the shard hibernated, the account's open
 * orders are cancelled (`Account.cancelAllOrders`), after the socket's order
 * requests still in flight are answered.
 */
import type { z } from "zod";
import type { DeskErrorCode } from "../../shared/errors/codes.ts";
import { issues, type RequestId } from "../../shared/feed/protocol.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";
import { AmendByRefSchema, OrderRefSchema, splitAmend } from "../../shared/operations/order-ref.ts";
import { randomClientOrderId } from "../../shared/orders/client-order-id.ts";
import {
  CancelAllSchema,
  checkPlacement,
  type NewOrder,
  NewOrderRequestSchema,
  type OrderRef,
} from "../../shared/orders/input.ts";
import type { Account, CallOptions, StoredOutcome } from "../account/index.ts";
import { accountStub } from "../account/stub.ts";
import { retryDelayMs } from "../runtime/alarm.ts";
import { PlaceBatcher } from "./place-batcher.ts";
import type { Answer, Session, Sessions } from "./session.ts";
import type { FeedSocket } from "./subscriptions.ts";

export const ORDER_METHODS = ["order.place", "order.cancel", "order.amend", "order.cancel_all"] as const;
export type OrderMethod = (typeof ORDER_METHODS)[number];

export function isOrderMethod(method: string): method is OrderMethod {
  return (ORDER_METHODS as readonly string[]).includes(method);
}

/** The Account RPCs order entry calls. */
export type OrderAccountRpc = Pick<Account, "placeOrder" | "cancelOrder" | "amendOrder" | "cancelAllOrders">;

const HINTS: Record<OrderMethod, string> = {
  "order.place":
    "params are a new order: {client_order_id?, instrument, side, type, price?, stop_price?, size | funds, …}",
  "order.cancel": "params are {order_id} or {client_order_id}",
  "order.amend": "params are {order_id | client_order_id, size?, price?, stop_price?}",
  "order.cancel_all": "params are {instrument?, side?} (or none)",
};

/** A validated order request, ready to run against the account (`options`: the shard's configuration hints). */
export type OrderCall = (rpc: OrderAccountRpc, account: string, options: CallOptions) => Promise<unknown>;

/** Validates an order method's params; `message` names what is wrong. */
export function parseOrderCall(
  method: OrderMethod,
  params: unknown,
): { ok: true; call: OrderCall; place?: NewOrder } | { ok: false; message: string } {
  switch (method) {
    case "order.place": {
      const parsed = NewOrderRequestSchema.safeParse(params);
      if (!parsed.success) return invalid(method, parsed.error);
      // Without a client_order_id the order gets a random one: a retry over the socket is then a new order.
      const order: NewOrder = { ...parsed.data, client_order_id: parsed.data.client_order_id ?? randomClientOrderId() };
      return {
        ok: true,
        call: (rpc, account, options) => rpc.placeOrder(account, order, options),
        place: order,
      };
    }
    case "order.cancel": {
      const parsed = OrderRefSchema.safeParse(params);
      if (!parsed.success) return invalid(method, parsed.error);
      const ref: OrderRef = parsed.data;
      return { ok: true, call: (rpc, account, options) => rpc.cancelOrder(account, ref, options) };
    }
    case "order.amend": {
      const parsed = AmendByRefSchema.safeParse(params);
      if (!parsed.success) return invalid(method, parsed.error);
      const { ref, change } = splitAmend(parsed.data);
      return { ok: true, call: (rpc, account, options) => rpc.amendOrder(account, ref, change, options) };
    }
    case "order.cancel_all": {
      const parsed = CancelAllSchema.safeParse(params ?? {});
      if (!parsed.success) return invalid(method, parsed.error);
      const filter = parsed.data;
      return { ok: true, call: (rpc, account, options) => rpc.cancelAllOrders(account, filter, options) };
    }
  }
}

/** A reply's `result`, or its error (the desk's code, message and details). */
export type OrderReply =
  | { result: unknown }
  | { error: { code: DeskErrorCode; message: string; details: Record<string, unknown> } };

/** Turns an Account outcome into a reply. */
export function orderReply(outcome: StoredOutcome | { ok: false; code: string; message: string }): OrderReply {
  if (outcome.ok) {
    if ("order" in outcome)
      return { result: { order: outcome.order, fills: outcome.fills, replayed: outcome.replayed } };
    if ("cancelled" in outcome) return { result: { cancelled: outcome.cancelled } };
    return { result: outcome };
  }
  const { ok: _ok, code, message, ...details } = outcome as { ok: false; code: DeskErrorCode; message: string };
  return { error: { code, message, details } };
}

function invalid(method: OrderMethod, error: z.ZodError): { ok: false; message: string } {
  return { ok: false, message: `${HINTS[method]}: ${issues(error)}` };
}

/** Looks an instrument up (the shard's registry cache); null when it is not listed. */
export type FindInstrument = (symbol: string) => Promise<Instrument | null>;

/** Attempts of a cancel-on-disconnect whose account call fails. */
const CANCEL_ATTEMPTS = 3;

/** The socket side of order entry: the `order.*` methods and cancel-on-disconnect. */
export class OrderEntry {
  private readonly env: { ACCOUNT: DurableObjectNamespace<Account> };
  private readonly sessions: Sessions;
  /** Places of one account arriving together go to it together. */
  private readonly placer: PlaceBatcher;
  private readonly answer: Answer;
  private readonly findInstrument: FindInstrument;
  /** The shard's configuration versions, passed with each call (CallOptions.config_versions). */
  private readonly configHints: () => CallOptions["config_versions"];

  constructor(
    env: { ACCOUNT: DurableObjectNamespace<Account> },
    sessions: Sessions,
    answer: Answer,
    findInstrument: FindInstrument,
    configHints: () => CallOptions["config_versions"] = () => undefined,
  ) {
    this.env = env;
    this.sessions = sessions;
    this.answer = answer;
    this.findInstrument = findInstrument;
    this.configHints = configHints;
    this.placer = new PlaceBatcher((account) => accountStub(env.ACCOUNT, account), configHints);
  }

  private callOptions(): CallOptions {
    const config_versions = this.configHints();
    return config_versions ? { config_versions } : {};
  }

  /** `order.*`: validated here, run by the account's order desk; the reply is the desk's outcome. */
  async handle(socket: FeedSocket, id: RequestId, method: OrderMethod, raw: unknown): Promise<void> {
    const session = this.sessions.require(socket, id, "trade", method);
    if (!session) return;
    const parsed = parseOrderCall(method, raw);
    if (!parsed.ok) return this.answer.fail(socket, id, "invalid_params", parsed.message);
    const { place } = parsed;
    const call: OrderCall = place === undefined ? parsed.call : (_rpc, account) => this.placer.place(account, place);
    const task = this.run(socket, id, session, call, place);
    // Cancel-on-disconnect waits for requests in flight, so an order sent just before closing is cancelled too.
    socket.pending.add(task);
    try {
      await task;
    } finally {
      socket.pending.delete(task);
    }
  }

  private async run(
    socket: FeedSocket,
    id: RequestId,
    session: Session,
    call: OrderCall,
    place: NewOrder | undefined,
  ): Promise<void> {
    if (!(await this.sessions.stillValid(socket, id, session))) return;
    if (place !== undefined && !(await this.fitsInstrument(socket, id, place))) return;
    let outcome: unknown;
    try {
      outcome = await call(accountStub(this.env.ACCOUNT, session.account), session.account, this.callOptions());
    } catch (err) {
      return this.answer.fail(
        socket,
        id,
        "unavailable",
        `The account did not answer (${String(err)}); retry shortly (the same client_order_id returns a placement's outcome).`,
      );
    }
    const reply = orderReply(outcome as Parameters<typeof orderReply>[0]);
    if ("result" in reply) this.answer.reply(socket, id, reply.result);
    else this.answer.fail(socket, id, reply.error.code, reply.error.message, reply.error.details);
  }

  /** True if a placement fits its instrument's grid and limits; otherwise answers why (nothing reaches the account). */
  private async fitsInstrument(socket: FeedSocket, id: RequestId, order: NewOrder): Promise<boolean> {
    let instrument: Instrument | null;
    try {
      instrument = await this.findInstrument(order.instrument);
    } catch (err) {
      this.answer.fail(
        socket,
        id,
        "unavailable",
        `The instrument registry did not answer (${String(err)}); retry shortly.`,
      );
      return false;
    }
    const refused = checkPlacement(order, instrument);
    if (refused) this.answer.fail(socket, id, refused.code, refused.message, refused.details);
    return refused === undefined;
  }

  /** Cancels the account's open orders once the socket's requests in flight are answered. */
  async cancelOnDisconnect(socket: FeedSocket): Promise<void> {
    const session = socket.session;
    if (!socket.cancelOnDisconnect || !session) return;
    await Promise.allSettled([...socket.pending]);
    const { account } = session;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await accountStub(this.env.ACCOUNT, account).cancelAllOrders(
          account,
          {},
          // The system's own cancel: never refused by the account's cancel budget.
          { request_id: `cancel-on-disconnect-${crypto.randomUUID()}`, admission: "exempt" },
        );
        const cancelled = outcome.ok && "cancelled" in outcome ? outcome.cancelled.length : 0;
        console.log(JSON.stringify({ level: "info", msg: "cancel on disconnect", account, cancelled }));
        return;
      } catch (err) {
        if (attempt >= CANCEL_ATTEMPTS) {
          console.error(
            JSON.stringify({ level: "error", msg: "cancel on disconnect failed", account, error: String(err) }),
          );
          return;
        }
        await new Promise((r) => setTimeout(r, retryDelayMs(attempt, 200, 2_000))); // backoff, full jitter
      }
    }
  }
}

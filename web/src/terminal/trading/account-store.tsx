/**
 * One live model of the account for every trading panel: loaded from REST, then kept current by
 * the private `user` channel (order, fill and balance messages; a fresh snapshot after each
 * reconnect or gap, which the SDK requests itself). After a reconnect the REST lists are fetched
 * again too, so orders that ended and fills made while the socket was down are not missed.
 * The panels also hand in the replies of their own requests, so a change shows before its echo.
 */
import type { Balances, Fill, Order, OrderReply, UserEvent } from "@platform3/client";
import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { errorLine } from "../../common/problem.ts";
import { useTerminal } from "../context.ts";
import {
  type AccountModel,
  EMPTY_ACCOUNT,
  replaceBalances,
  withBalances,
  withFills,
  withOrders,
  withSnapshot,
} from "./account-model.ts";

export interface AccountState {
  model: AccountModel;
  /** The first REST load has answered. */
  loaded: boolean;
  /** The user channel is subscribed and has sent its snapshot. */
  live: boolean;
  /** The last load's refusal, if it failed. */
  error: string | undefined;
  /** Fetches the REST lists again. */
  refresh: () => Promise<void>;
  /** The answer of a place, amend or cancel made here. */
  applyReply: (reply: OrderReply) => void;
  /** Orders a request returned (cancel all). */
  applyOrders: (orders: readonly Order[]) => void;
}

const AccountContext = createContext<AccountState | undefined>(undefined);

export function useAccount(): AccountState {
  const state = useContext(AccountContext);
  if (!state) throw new Error("useAccount: outside <AccountProvider>");
  return state;
}

const OPEN_ORDERS_LIMIT = 1000;
const HISTORY_LIMIT = 100;
const FILLS_LIMIT = 100;

export function AccountProvider({ children }: { children: ComponentChildren }) {
  const { rest, feed } = useTerminal();
  const [model, setModel] = useState<AccountModel>(EMPTY_ACCOUNT);
  const [loaded, setLoaded] = useState(false);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string>();
  // Bumped by every balance the stream delivers: a REST answer older than that is not applied.
  const balanceEpoch = useRef(0);
  const loadGeneration = useRef(0);
  const modelRef = useRef(model);
  modelRef.current = model;

  const refresh = useCallback(async () => {
    const generation = ++loadGeneration.current;
    const epoch = balanceEpoch.current;
    try {
      const [open, recent, fills, balances] = await Promise.all([
        rest.listOrders({ status: "open", limit: OPEN_ORDERS_LIMIT }),
        rest.listOrders({ limit: HISTORY_LIMIT }),
        rest.listFills({ limit: FILLS_LIMIT }),
        rest.balances(),
      ]);
      if (generation !== loadGeneration.current) return;
      setModel((m) => {
        let next = withOrders(withOrders(m, recent.orders), open.orders);
        next = withFills(next, fills.fills);
        return epoch === balanceEpoch.current ? replaceBalances(next, balances.balances) : next;
      });
      setError(undefined);
    } catch (err) {
      if (generation === loadGeneration.current) setError(errorLine(err));
    } finally {
      if (generation === loadGeneration.current) setLoaded(true);
    }
  }, [rest]);

  useEffect(() => {
    const apply = (event: UserEvent) => {
      switch (event.type) {
        case "snapshot": {
          balanceEpoch.current++;
          const balances = event.balances as Balances["balances"];
          setModel((m) => withSnapshot(m, event.orders, balances).model);
          setLive(true);
          // An open order the snapshot leaves out ended unseen: its final state comes with the REST lists.
          if (withSnapshot(modelRef.current, event.orders, balances).vanished) void refresh();
          break;
        }
        case "order":
          setModel((m) => withOrders(m, [event.order]));
          break;
        case "fill":
          setModel((m) => withFills(m, [event.fill as Fill]));
          break;
        case "balance":
          balanceEpoch.current++;
          setModel((m) => withBalances(m, event.balances));
          break;
      }
    };
    const offs = [
      feed.on("user", apply),
      // The first `ready` is the first connect (the REST load covers it); later ones are reconnects.
      feed.on("ready", () => {
        if (feed.connections > 1) void refresh();
      }),
      feed.on("close", () => setLive(false)),
    ];
    void refresh();
    feed.subscribeUser().catch((err: unknown) => setError(`live updates: ${errorLine(err)}`));
    return () => {
      for (const off of offs) off();
      feed.unsubscribeUser().catch(() => {});
    };
  }, [feed, refresh]);

  const applyReply = useCallback((reply: OrderReply) => {
    setModel((m) => withFills(withOrders(m, [reply.order]), reply.fills));
  }, []);
  const applyOrders = useCallback((orders: readonly Order[]) => setModel((m) => withOrders(m, orders)), []);

  const state = useMemo<AccountState>(
    () => ({ model, loaded, live, error, refresh, applyReply, applyOrders }),
    [model, loaded, live, error, refresh, applyReply, applyOrders],
  );
  return <AccountContext.Provider value={state}>{children}</AccountContext.Provider>;
}

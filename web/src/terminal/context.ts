/**
 * What every panel of the terminal reads: the signed-in session (REST client, feed, account), the
 * instruments and the one selected, and the order form's prefill (a ladder click sets it).
 * Provided once by terminal.tsx; panels call `useTerminal()`.
 */
import type { FeedClient, Instrument, RestClient } from "@platform3/client";
import { createContext } from "preact";
import { useContext } from "preact/hooks";

export interface OrderPrefill {
  price: string;
  /** The side that would trade against the clicked level (a click on an ask prefills a buy). */
  side?: "buy" | "sell";
  /** Changes on every click, so clicking the same price twice still refills the form. */
  nonce: number;
}

export interface TerminalState {
  rest: RestClient;
  feed: FeedClient;
  account: string;
  instruments: Instrument[];
  /** The selected instrument (always one of `instruments`). */
  instrument: Instrument;
  selectInstrument: (symbol: string) => void;
  prefill: OrderPrefill | undefined;
  setPrefill: (prefill: Omit<OrderPrefill, "nonce">) => void;
  /** Refetches the instruments (status changes arrive here; the feed does not carry them). */
  reloadInstruments: () => Promise<void>;
  signOut: () => void;
}

export const TerminalContext = createContext<TerminalState | undefined>(undefined);

export function useTerminal(): TerminalState {
  const state = useContext(TerminalContext);
  if (!state) throw new Error("useTerminal: outside <TerminalContext.Provider>");
  return state;
}

/**
 * The trader terminal: sign-in, then one screen of panels over a session. This file is the wiring:
 * it owns the session and the selected instrument and lays the panels out (terminal.css); each
 * panel lives in market/ (public data) or trading/ (the account) and reads `useTerminal()`.
 */
import type { Instrument } from "@platform3/client";
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { type ApiKeyCredentials, saveApiKey, savedApiKey } from "../common/credentials.ts";
import { errorLine } from "../common/problem.ts";
import { toggleTheme } from "../common/theme.ts";
import { type OrderPrefill, TerminalContext, type TerminalState } from "./context.ts";
import { CandlesChart } from "./market/candles-chart.tsx";
import { ConnectionBadge } from "./market/connection-badge.tsx";
import { DepthChart } from "./market/depth-chart.tsx";
import { InstrumentBar } from "./market/instrument-bar.tsx";
import { Ladder } from "./market/ladder.tsx";
import { Tape } from "./market/tape.tsx";
import { closeSession, openSession, type Session } from "./session.ts";
import "./terminal.css";
import { AccountPanels } from "./trading/account-panels.tsx";
import { AccountProvider } from "./trading/account-store.tsx";
import { Balances } from "./trading/balances.tsx";
import { OrderEntry } from "./trading/order-entry.tsx";
import { SignIn } from "./trading/sign-in.tsx";

const SYMBOL_KEY = "p3.symbol";

export function Terminal() {
  const [session, setSession] = useState<Session>();
  const [restoring, setRestoring] = useState(() => savedApiKey() !== undefined);

  const signIn = useCallback(async (credentials: ApiKeyCredentials) => {
    const opened = await openSession(credentials);
    saveApiKey(credentials);
    setSession(opened);
  }, []);

  // A reload of the tab keeps its session (the key is in sessionStorage only).
  useEffect(() => {
    const saved = savedApiKey();
    if (!saved) return;
    signIn(saved)
      .catch(() => saveApiKey(undefined))
      .finally(() => setRestoring(false));
  }, [signIn]);

  const signOut = useCallback(() => {
    if (session) closeSession(session);
    saveApiKey(undefined);
    setSession(undefined);
  }, [session]);

  if (restoring) return <p class="muted boot">Signing in…</p>;
  if (!session) return <SignIn onSubmit={signIn} />;
  return <SignedIn session={session} signOut={signOut} />;
}

function SignedIn({ session, signOut }: { session: Session; signOut: () => void }) {
  const [instruments, setInstruments] = useState<Instrument[]>([]);
  const [symbol, setSymbol] = useState(() => sessionStorage.getItem(SYMBOL_KEY) ?? "");
  const [prefill, setPrefillState] = useState<OrderPrefill>();
  const [loadError, setLoadError] = useState<string>();

  const reloadInstruments = useCallback(async () => {
    try {
      const list = await session.rest.instruments();
      setInstruments(list.instruments);
      setLoadError(undefined);
    } catch (err) {
      setLoadError(errorLine(err));
    }
  }, [session]);

  useEffect(() => {
    void reloadInstruments();
  }, [reloadInstruments]);

  const instrument = instruments.find((i) => i.symbol === symbol) ?? instruments[0];
  const state = useMemo<TerminalState | undefined>(
    () =>
      instrument && {
        ...session,
        instruments,
        instrument,
        selectInstrument: (next: string) => {
          sessionStorage.setItem(SYMBOL_KEY, next);
          setSymbol(next);
        },
        prefill,
        setPrefill: (p) => setPrefillState({ ...p, nonce: Date.now() + Math.random() }),
        reloadInstruments,
        signOut,
      },
    [session, instruments, instrument, prefill, reloadInstruments, signOut],
  );

  if (!state) return <p class={loadError ? "boot" : "muted boot"}>{loadError ?? "Loading instruments…"}</p>;
  return (
    <TerminalContext.Provider value={state}>
      <AccountProvider>
        <div class="terminal">
          <header class="terminal-header">
            <h1 class="visually-hidden">Platform3 Edge trader terminal</h1>
            <InstrumentBar />
            <div class="header-tools">
              <ConnectionBadge />
              <span class="muted" data-testid="account">
                {session.account}
              </span>
              <button
                type="button"
                data-testid="theme-toggle"
                onClick={() => toggleTheme()}
                aria-label="Toggle dark or light theme"
              >
                ◐
              </button>
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </div>
          </header>
          <main class="terminal-grid">
            <Panel area="ladder" label="Order book">
              <Ladder />
            </Panel>
            <Panel area="chart" label="Chart">
              <CandlesChart />
              <DepthChart />
            </Panel>
            <Panel area="entry" label="Order entry" scrolls>
              <OrderEntry />
            </Panel>
            <Panel area="balances" label="Balances" scrolls>
              <Balances />
            </Panel>
            <Panel area="tape" label="Trades" scrolls>
              <Tape />
            </Panel>
            <Panel area="account" label="Orders and fills" scrolls>
              <AccountPanels />
            </Panel>
          </main>
        </div>
      </AccountProvider>
    </TerminalContext.Provider>
  );
}

/**
 * One grid area of the layout (terminal.css). A panel that scrolls takes focus (tabIndex 0), so the
 * keyboard can scroll it too (axe: scrollable-region-focusable).
 */
function Panel(props: { area: string; label: string; scrolls?: boolean; children: ComponentChildren }) {
  return (
    <section class={`panel area-${props.area}`} aria-label={props.label} tabIndex={props.scrolls ? 0 : undefined}>
      {props.children}
    </section>
  );
}

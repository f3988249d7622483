/**
 * The operator console (`/console`): sign-in, then the sections as tabs (tabs.tsx) over one
 * operator client. A saved token is checked again on load; a 401 later signs the tab out.
 */
import type { RestClient } from "@platform3/client";
import { useEffect, useState } from "preact/hooks";
import { savedOperatorToken, saveOperatorToken } from "../common/credentials.ts";
import { errorLine } from "../common/problem.ts";
import { currentTheme, toggleTheme } from "../common/theme.ts";
import "./console.css";
import { ActionProvider, ActionResultArea } from "./actions.tsx";
import { operatorClient, verifyOperator } from "./session.ts";
import { SignIn } from "./sign-in.tsx";
import { TabPanel } from "./tab-panel.tsx";
import { TabList, useHashTab } from "./tabs.tsx";

type Session =
  | { state: "checking"; rest: RestClient }
  | { state: "in"; rest: RestClient }
  | { state: "out"; notice?: string };

const REFUSED = "The API refused the token (401): sign in again.";

export function Console() {
  const [session, setSession] = useState<Session>(() => {
    const saved = savedOperatorToken();
    return saved ? { state: "checking", rest: client(saved) } : { state: "out" };
  });

  // A refused token (revoked, expired) anywhere signs the tab out instead of failing every panel.
  function client(token: string): RestClient {
    return operatorClient(token, () => signOut(REFUSED));
  }

  useEffect(() => {
    if (session.state !== "checking") return;
    verifyOperator(session.rest).then(
      () => setSession({ state: "in", rest: session.rest }),
      (err) => {
        saveOperatorToken(undefined);
        setSession({ state: "out", notice: `The saved token was refused: ${errorLine(err)}` });
      },
    );
  }, [session]);

  const signOut = (notice?: string) => {
    saveOperatorToken(undefined);
    setSession({ state: "out", ...(notice ? { notice } : {}) });
  };

  if (session.state === "out") {
    return (
      <SignIn
        notice={session.notice}
        onSignedIn={(token) => {
          saveOperatorToken(token);
          setSession({ state: "in", rest: client(token) });
        }}
      />
    );
  }
  if (session.state === "checking") {
    return (
      <main class="sign-in">
        <p role="status">Checking the saved operator token…</p>
      </main>
    );
  }
  return <Shell rest={session.rest} onSignOut={signOut} />;
}

function Shell({ rest, onSignOut }: { rest: RestClient; onSignOut: (notice?: string) => void }) {
  const tab = useHashTab();
  const [theme, setTheme] = useState(currentTheme);

  return (
    <ActionProvider>
      <header class="console-header">
        <h1>
          Platform3 Edge <span class="muted">operator console</span>
        </h1>
        <div class="row">
          <button
            type="button"
            data-testid="theme-toggle"
            aria-label={`Switch to the ${theme === "dark" ? "light" : "dark"} theme`}
            onClick={() => setTheme(toggleTheme())}
          >
            {theme === "dark" ? "Light theme" : "Dark theme"}
          </button>
          <button type="button" data-testid="sign-out" onClick={() => onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav class="console-nav" aria-label="Sections">
        <TabList current={tab} />
      </nav>
      <main class="console-main">
        <ActionResultArea section={tab} />
        <TabPanel tab={tab} rest={rest} />
      </main>
    </ActionProvider>
  );
}

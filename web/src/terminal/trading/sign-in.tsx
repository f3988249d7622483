/**
 * The terminal's sign-in: an API key id and secret (exchanged for tokens by `onSubmit`), and on
 * this machine only, one-click demo keys for the seeded accounts alice and bob.
 */
import { Platform3Error } from "@platform3/client";
import { useState } from "preact/hooks";
import { type ApiKeyCredentials, onLoopback } from "../../common/credentials.ts";
import { errorLine } from "../../common/problem.ts";
import { mintDemoKey } from "./demo-key.ts";
import "./trading.css";

const DEMO_ACCOUNTS = ["alice", "bob"] as const;

function demoError(err: unknown): string {
  if (err instanceof Platform3Error && err.code === "account_not_found") {
    return `${errorLine(err)} — the demo accounts are not seeded: run npm run dev (it seeds alice and bob) or npm run seed:demo`;
  }
  return errorLine(err);
}

export function SignIn({ onSubmit }: { onSubmit: (credentials: ApiKeyCredentials) => Promise<void> }) {
  const [keyId, setKeyId] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();

  const run = async (label: string, credentials: () => Promise<ApiKeyCredentials>, explain = errorLine) => {
    setBusy(label);
    setError(undefined);
    try {
      await onSubmit(await credentials());
    } catch (err) {
      setError(explain(err));
      setBusy(undefined);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const id = keyId.trim();
    if (!id || !secret) {
      setError("Enter the API key id and its secret.");
      return;
    }
    void run("key", async () => ({ keyId: id, secret }));
  };

  return (
    <main class="signin-page">
      <form class="panel signin" data-testid="signin" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Platform3 Edge terminal</h1>
        <label for="api-key-id">
          API key id
          <input
            id="api-key-id"
            name="api-key-id"
            autocomplete="username"
            spellcheck={false}
            placeholder="k_…"
            value={keyId}
            onInput={(e) => setKeyId(e.currentTarget.value)}
          />
        </label>
        <label for="api-secret">
          API secret
          <input
            id="api-secret"
            name="api-secret"
            type="password"
            autocomplete="current-password"
            value={secret}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" disabled={busy !== undefined}>
          {busy === "key" ? "Signing in…" : "Sign in"}
        </button>
        {error && (
          <p role="alert" data-testid="signin-error" class="signin-error">
            {error}
          </p>
        )}
        <p class="muted signin-note">The key stays in this tab's sessionStorage only: closing the tab forgets it.</p>
        {onLoopback() && (
          <fieldset class="signin-demo">
            <legend>Demo accounts (this machine only)</legend>
            <div class="signin-demo-buttons">
              {DEMO_ACCOUNTS.map((account) => (
                <button
                  key={account}
                  type="button"
                  data-testid={`demo-${account}`}
                  disabled={busy !== undefined}
                  onClick={() => void run(account, () => mintDemoKey(account), demoError)}
                >
                  {busy === account ? "Signing in…" : `Sign in as ${account}`}
                </button>
              ))}
            </div>
            <p class="muted signin-note">Mints a 12-hour read+trade key with the development operator token.</p>
          </fieldset>
        )}
      </form>
    </main>
  );
}

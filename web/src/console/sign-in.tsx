/**
 * Sign-in: the operator's bearer token, checked with a cheap admin call before it is accepted
 * and then kept in sessionStorage (common/credentials.ts). On loopback the published development
 * token can be filled in with one click (the API accepts it from loopback only).
 */
import { useState } from "preact/hooks";
import { onLoopback } from "../common/credentials.ts";
import { errorLine } from "../common/problem.ts";
import { DEV_OPERATOR_TOKEN, operatorClient, verifyOperator } from "./session.ts";

export function SignIn({ onSignedIn, notice }: { onSignedIn: (token: string) => void; notice?: string }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError("Enter the operator token.");
      return;
    }
    setBusy(true);
    setError(undefined);
    const rest = operatorClient(value);
    try {
      await verifyOperator(rest);
      onSignedIn(value);
    } catch (err) {
      setError(errorLine(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="panel sign-in-form" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Operator console</h1>
        <p class="muted">
          Sign in with the operator token (<code>OPERATOR_TOKEN</code>) or an admin key's access token. It is kept in
          this tab only.
        </p>
        {notice && <p class="notice">{notice}</p>}
        <label for="operator-token">
          Operator token
          <input
            id="operator-token"
            type="password"
            autoComplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "sign-in-error" : undefined}
          />
        </label>
        <div class="row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Checking…" : "Sign in"}
          </button>
          {onLoopback() && (
            <button type="button" data-testid="dev-operator" onClick={() => setToken(DEV_OPERATOR_TOKEN)}>
              Use the development token
            </button>
          )}
        </div>
        {error && (
          <p id="sign-in-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

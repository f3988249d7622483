/**
 * Where the answer to the last action is shown: the JSON the API returned (role=status), or its
 * refusal with code and reason and the whole problem document (role=alert).
 */
import { Platform3Error } from "@platform3/client";
import { useEffect, useRef } from "preact/hooks";
import { errorLine } from "../common/problem.ts";
import { JsonView } from "./json.tsx";

export type ActionOutcome =
  | { kind: "pending"; title: string }
  | { kind: "done"; title: string; status: number | undefined; body: unknown }
  | { kind: "refused"; title: string; error: unknown }
  | { kind: "cancelled"; title: string };

export function ActionResult({ outcome, onDismiss }: { outcome: ActionOutcome | undefined; onDismiss: () => void }) {
  const refused = outcome?.kind === "refused";
  const area = useRef<HTMLElement>(null);
  // A new answer is brought into view (the form that caused it may be further down the page).
  useEffect(() => {
    if (outcome && outcome.kind !== "pending") area.current?.scrollIntoView({ block: "nearest" });
  }, [outcome]);
  return (
    <section
      ref={area}
      class={`action-result ${outcome ? `is-${outcome.kind}` : "is-empty"}`}
      data-testid="action-result"
      role={refused ? "alert" : "status"}
      aria-label="Result of the last action"
    >
      {outcome && (
        <>
          <div class="action-result-head">
            <strong>{headline(outcome)}</strong>
            <button type="button" class="link-button" onClick={onDismiss}>
              Dismiss
            </button>
          </div>
          {outcome.kind === "done" && <JsonView value={outcome.body} label="The API's answer" />}
          {outcome.kind === "refused" && (
            <>
              <p class="refusal">{errorLine(outcome.error)}</p>
              {outcome.error instanceof Platform3Error && (
                <JsonView value={outcome.error.problem} label="The problem the API returned" />
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}

function headline(outcome: ActionOutcome): string {
  switch (outcome.kind) {
    case "pending":
      return `${outcome.title}: sending…`;
    case "done":
      return `${outcome.title}: done${outcome.status ? ` (HTTP ${outcome.status})` : ""}`;
    case "refused":
      return `${outcome.title}: refused${outcome.error instanceof Platform3Error ? ` (HTTP ${outcome.error.status})` : ""}`;
    case "cancelled":
      return `${outcome.title}: cancelled, nothing was sent`;
  }
}

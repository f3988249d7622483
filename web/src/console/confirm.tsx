/**
 * The one confirmation every state-changing action goes through: a modal <dialog> that states
 * exactly what will be sent and what it does. Esc (the dialog's `cancel` event) and Cancel
 * answer no; only "confirm-ok" answers yes.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

export interface ConfirmRequest {
  /** What the action is, as a heading: "Halt BTC-USD". */
  title: string;
  /** What will happen, one sentence a line. */
  lines: string[];
  /** The request that will be sent: "PATCH /v1/admin/instruments/BTC-USD {"status":"halted"}". */
  request: string;
  /** The OK button's text (default "Confirm"). */
  confirmLabel?: string;
  /** A destructive action: the OK button is red and Cancel has the focus. */
  danger?: boolean;
}

export function ConfirmDialog({
  request,
  onAnswer,
}: {
  request: ConfirmRequest | undefined;
  onAnswer: (ok: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const ok = useRef<HTMLButtonElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (request && !d.open) {
      d.showModal();
      (request.danger ? cancel : ok).current?.focus();
    } else if (!request && d.open) {
      d.close();
    }
  }, [request]);

  const onCancel = (e: Event) => {
    e.preventDefault(); // Esc: answer no ourselves so the state and the dialog stay in step
    onAnswer(false);
  };

  return (
    <dialog
      ref={dialog}
      data-testid="confirm-dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      onCancel={onCancel}
      class="confirm"
    >
      {request && (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            onAnswer(true);
          }}
        >
          <h2 id="confirm-title">{request.title}</h2>
          <div id="confirm-body">
            {request.lines.map((line) => (
              <p key={line}>{line}</p>
            ))}
            <p class="muted">Request:</p>
            <Code>{request.request}</Code>
          </div>
          <div class="confirm-buttons">
            <button type="button" ref={cancel} data-testid="confirm-cancel" onClick={() => onAnswer(false)}>
              Cancel
            </button>
            <button type="submit" ref={ok} data-testid="confirm-ok" class={request.danger ? "sell-button" : "primary"}>
              {request.confirmLabel ?? "Confirm"}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

function Code({ children }: { children: ComponentChildren }) {
  return <pre class="confirm-request">{children}</pre>;
}

/**
 * Every state-changing call of the console goes through `perform`: confirm first (confirm.tsx),
 * then send, then show the API's answer (action-result.tsx). One dialog and one result area
 * for the whole page, shared through context.
 */
import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type ActionOutcome, ActionResult } from "./action-result.tsx";
import { ConfirmDialog, type ConfirmRequest } from "./confirm.tsx";

/** What openapi-fetch resolves with (the SDK throws every refusal, so `data` is the answer). */
export interface Sent<T> {
  data?: T;
  response: Response;
}

export type Perform = <T>(confirm: ConfirmRequest, send: () => Promise<Sent<T>>) => Promise<T | undefined>;

interface Actions {
  perform: Perform;
  outcome: ActionOutcome | undefined;
  dismiss: () => void;
}

const ActionContext = createContext<Actions | undefined>(undefined);

function useActions(): Actions {
  const actions = useContext(ActionContext);
  if (!actions) throw new Error("used outside <ActionProvider>");
  return actions;
}

export function usePerform(): Perform {
  return useActions().perform;
}

/** The result area, placed by the page (in the flow, so it never covers a form). */
export function ActionResultArea({ section }: { section: string }) {
  const { outcome, dismiss } = useActions();
  // The answer belongs to the section it was given in: moving to another one clears it.
  useEffect(() => dismiss(), [section, dismiss]);
  return <ActionResult outcome={outcome} onDismiss={dismiss} />;
}

export function ActionProvider({ children }: { children: ComponentChildren }) {
  const [request, setRequest] = useState<ConfirmRequest | undefined>(undefined);
  const [outcome, setOutcome] = useState<ActionOutcome | undefined>(undefined);
  const answer = useRef<((ok: boolean) => void) | undefined>(undefined);

  const ask = useCallback(
    (confirm: ConfirmRequest) =>
      new Promise<boolean>((resolve) => {
        answer.current?.(false); // a second request replaces an unanswered one
        answer.current = resolve;
        setRequest(confirm);
      }),
    [],
  );

  const onAnswer = useCallback((ok: boolean) => {
    const resolve = answer.current;
    answer.current = undefined;
    setRequest(undefined);
    resolve?.(ok);
  }, []);

  const perform = useCallback<Perform>(
    async (confirm, send) => {
      if (!(await ask(confirm))) {
        setOutcome({ kind: "cancelled", title: confirm.title });
        return undefined;
      }
      setOutcome({ kind: "pending", title: confirm.title });
      try {
        const { data, response } = await send();
        setOutcome({ kind: "done", title: confirm.title, status: response.status, body: data });
        return data;
      } catch (error) {
        setOutcome({ kind: "refused", title: confirm.title, error });
        return undefined;
      }
    },
    [ask],
  );

  const dismiss = useCallback(() => setOutcome(undefined), []);
  const value = useMemo(() => ({ perform, outcome, dismiss }), [perform, outcome, dismiss]);
  return (
    <ActionContext.Provider value={value}>
      {children}
      <ConfirmDialog request={request} onAnswer={onAnswer} />
    </ActionContext.Provider>
  );
}

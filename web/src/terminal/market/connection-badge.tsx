/**
 * The feed's state, from its events: connecting (a socket opening, authenticating, resubscribing),
 * live (ready), reconnecting (after a drop, with the attempt number) or offline (closed for good,
 * or the browser says it is offline). The client reconnects by itself; this only shows it.
 */
import { useEffect, useState } from "preact/hooks";
import { useTerminal } from "../context.ts";
import "./market.css";

type FeedState =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "reconnecting"; attempt: number }
  | { state: "offline"; reason?: string };

function label(s: FeedState): string {
  switch (s.state) {
    case "connecting":
      return "Connecting…";
    case "live":
      return "Live";
    case "reconnecting":
      return `Reconnecting (attempt ${s.attempt})…`;
    case "offline":
      return "Offline";
  }
}

const TONE = { connecting: "warn", live: "good", reconnecting: "warn", offline: "bad" } as const;

export function ConnectionBadge() {
  const { feed } = useTerminal();
  const [feedState, setFeedState] = useState<FeedState>(() =>
    feed.connected ? { state: "live" } : { state: "connecting" },
  );
  const [online, setOnline] = useState(() => navigator.onLine);

  useEffect(() => {
    let attempt = 0;
    const offs = [
      feed.on("open", () => setFeedState(attempt > 0 ? { state: "reconnecting", attempt } : { state: "connecting" })),
      feed.on("ready", () => {
        attempt = 0;
        setFeedState({ state: "live" });
      }),
      feed.on("close", (info) => {
        if (!info.reconnect) setFeedState({ state: "offline", reason: info.reason });
      }),
      feed.on("reconnecting", (info) => {
        attempt = info.attempt;
        setFeedState({ state: "reconnecting", attempt: info.attempt });
      }),
    ];
    // The panels' subscriptions open the socket; this makes sure it opens even before they do.
    feed.connect().catch(() => {}); // a failed first connect retries by itself, shown by the events
    setFeedState(feed.connected ? { state: "live" } : { state: "connecting" });
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    addEventListener("online", up);
    addEventListener("offline", down);
    return () => {
      for (const off of offs) off();
      removeEventListener("online", up);
      removeEventListener("offline", down);
    };
  }, [feed]);

  const shown: FeedState = !online && feedState.state !== "live" ? { state: "offline" } : feedState;
  const text = label(shown);
  const title = shown.state === "offline" && shown.reason ? `${text}: ${shown.reason}` : `Market data feed: ${text}`;

  return (
    <span
      class={`connection badge ${TONE[shown.state]}`}
      data-testid="connection"
      data-state={shown.state}
      title={title}
    >
      <span class="connection-dot" aria-hidden="true" />
      <span role="status" aria-live="polite">
        {text}
      </span>
    </span>
  );
}

/**
 * Pushes feed messages to subscribers with one push in flight per subscriber: what is
 * sent while a subscriber still takes the last push waits and goes out with the next
 * messages in one push. Under load pushes grow instead of queueing, and pushes to one
 * subscriber arrive in the order they were sent. Used by the book (feed-publisher.ts)
 * and by the regional relays.
 */
import type { FeedMessage } from "../../shared/feed/messages.ts";

/** The part of a feed subscriber (shard or relay) a publisher calls. */
export interface FeedShardRpc {
  /** Delivers messages; `subscribed: false` tells the sender to stop sending this instrument there. */
  publish(instrument: string, messages: FeedMessage[]): Promise<{ subscribed: boolean }>;
}

export interface PushLanesDeps {
  instrument: string;
  target: (name: string) => FeedShardRpc;
  /** The subscriber answered `subscribed: false` to a push sent under registration `generation`. */
  unsubscribed: (name: string, generation: number) => void;
}

export class PushLanes {
  private readonly deps: PushLanesDeps;
  private readonly busy = new Set<string>();
  private readonly waiting = new Map<string, { generation: number; messages: FeedMessage[] }>();

  constructor(deps: PushLanesDeps) {
    this.deps = deps;
  }

  /** Pushes to one subscriber, or keeps the messages for its next push while one is in flight. */
  send(name: string, generation: number, messages: readonly FeedMessage[]): void {
    const queued = this.waiting.get(name);
    if (queued) {
      queued.messages.push(...messages);
      queued.generation = Math.max(queued.generation, generation);
      return;
    }
    if (this.busy.has(name)) {
      this.waiting.set(name, { generation, messages: [...messages] });
      return;
    }
    this.busy.add(name);
    this.deps
      .target(name)
      .publish(this.deps.instrument, [...messages])
      .then((reply) => {
        if (!reply.subscribed) this.deps.unsubscribed(name, generation);
      })
      .catch((err: unknown) => {
        // A subscriber that cannot be reached resubscribes when it comes back (or finds the gap).
        console.error(JSON.stringify({ level: "warn", msg: "feed publish failed", shard: name, error: String(err) }));
      })
      .finally(() => {
        this.busy.delete(name);
        const next = this.waiting.get(name);
        if (next) {
          this.waiting.delete(name);
          this.send(name, next.generation, next.messages);
        }
      });
  }
}

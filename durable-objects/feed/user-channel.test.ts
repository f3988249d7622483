import { describe, expect, it, vi } from "vitest";
import type { UserMessage, UserSubscribeReply } from "../account/contract.ts";
import { type UserAccountRpc, UserChannels, type UserClient } from "./user-channel.ts";

class FakeClient implements UserClient {
  open = true;
  // biome-ignore lint/suspicious/noExplicitAny: inspected loosely.
  sent: any[] = [];
  frames = 0;
  private held: unknown[] | undefined;
  send(text: string): void {
    const value = JSON.parse(text);
    if (this.held) this.held.push(value);
    else {
      this.sent.push(value);
      this.frames++;
    }
  }
  hold(): void {
    this.held ??= [];
  }
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.sent.push(...held);
    if (held.length > 0) this.frames++;
  }
  seqs(): string[] {
    return this.sent.map((m) => (m.type === "resync" ? "resync" : `${m.type}@${m.seq}`));
  }
}

/** An account whose answers the test releases by hand, to order them against pushes. */
class ManualAccount {
  subscribes: Array<{ answer: (r: UserSubscribeReply) => void; fail: (e: Error) => void }> = [];
  unsubscribes = 0;
  rpc(): UserAccountRpc {
    return {
      userSubscribe: () => new Promise((answer, fail) => this.subscribes.push({ answer, fail })),
      userUnsubscribe: async () => {
        this.unsubscribes++;
      },
    } as unknown as UserAccountRpc;
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function order(seq: number): UserMessage {
  return { type: "order", channel: "user", seq, time: 1, order: {} as never };
}

function snapshot(seq: number): UserSubscribeReply {
  return { ok: true, snapshot: { type: "snapshot", channel: "user", seq, time: 1, orders: [], balances: [] } };
}

function setup() {
  const account = new ManualAccount();
  const failures: string[] = [];
  const channels = new UserChannels(
    () => account.rpc(),
    () => "feed-0",
    (_c, _a, e) => failures.push(e.code),
  );
  return { account, channels, failures };
}

describe("UserChannels", () => {
  it("buffers pushes that overtake the snapshot, then sends only what follows it", async () => {
    const { account, channels } = setup();
    const c = new FakeClient();
    channels.join(c, "a");
    channels.sync(c, "a");
    await flush();
    expect(channels.push("a", [order(4), order(5)])).toBe(true);
    expect(channels.push("a", [order(6)])).toBe(true);
    account.subscribes[0]?.answer(snapshot(4));
    await flush();
    expect(c.seqs()).toEqual(["snapshot@4", "order@5", "order@6"]);
    // Snapshot and backlog in one frame; then live pushes continue.
    expect(c.frames).toBe(1);
    channels.push("a", [order(7), order(8)]);
    expect(c.seqs().slice(3)).toEqual(["order@7", "order@8"]);
    expect(c.frames).toBe(2);
  });

  it("resyncs a socket that would see a gap, and one whose cursor was lost", async () => {
    const { account, channels } = setup();
    const c = new FakeClient();
    channels.join(c, "a");
    channels.sync(c, "a");
    await flush();
    account.subscribes[0]?.answer(snapshot(1));
    await flush();
    channels.push("a", [order(3)]);
    await flush();
    // Nothing passes the gap: the socket waits for a fresh snapshot, announced by `resync`.
    expect(c.seqs()).toEqual(["snapshot@1"]);
    account.subscribes[1]?.answer(snapshot(3));
    await flush();
    expect(c.seqs()).toEqual(["snapshot@1", "resync", "snapshot@3"]);
    expect(c.sent[1].reason).toContain("missed user messages 2..2");

    // A restored socket (no cursor) resyncs at its first push.
    const d = new FakeClient();
    channels.join(d, "a");
    channels.push("a", [order(4)]);
    await flush();
    expect(d.seqs()).toEqual([]);
    expect(c.seqs().slice(3)).toEqual(["order@4"]);
    account.subscribes[2]?.answer(snapshot(4));
    await flush();
    expect(d.seqs()).toEqual(["resync", "snapshot@4"]);
  });

  it("answers unsubscribed once the last socket leaves, and reports an account that is gone", async () => {
    const { account, channels, failures } = setup();
    const c = new FakeClient();
    channels.join(c, "a");
    channels.sync(c, "a");
    await flush();
    account.subscribes[0]?.answer({ ok: false, code: "account_not_found", message: "No account a." });
    await flush();
    expect(failures).toEqual(["account_not_found"]);
    channels.leave(c, "a");
    await flush();
    expect(account.unsubscribes).toBe(1);
    expect(channels.push("a", [order(1)])).toBe(false);
    expect(channels.push("b", [order(1)])).toBe(false);
  });

  it("retries a failing account after a jittered backoff, then gives the channel up", async () => {
    const { account, channels, failures } = setup();
    const c = new FakeClient();
    channels.join(c, "a");
    channels.sync(c, "a");
    for (let i = 0; i < 3; i++) {
      // Each retry waits a full-jitter draw (at most 400 ms here) before asking again.
      await vi.waitFor(() => expect(account.subscribes).toHaveLength(i + 1), { timeout: 2_000, interval: 5 });
      account.subscribes[i]?.fail(new Error("down"));
      if (i === 0) {
        await flush();
        expect(account.subscribes).toHaveLength(1); // not asked again at once: at least 100 ms later
      }
    }
    await vi.waitFor(() => expect(failures).toEqual(["unavailable"]), { timeout: 2_000, interval: 5 });
    expect(account.subscribes).toHaveLength(3);
    expect(failures).toEqual(["unavailable"]);
  });
});

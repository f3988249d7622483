import { describe, expect, it } from "vitest";
import type { FeedMessage, Level2Update, PublicChannel, SubscribeReply } from "../../shared/feed/messages.ts";
import { trimUpdate } from "../../shared/feed/updates.ts";
import { type BookFeed, type Client, Stream } from "./streams.ts";

class FakeClient implements Client {
  open = true;
  isSlow = false;
  // biome-ignore lint/suspicious/noExplicitAny: inspected loosely.
  sent: any[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  slow(): boolean {
    return this.isSlow;
  }
  skips = 0;
  skipped(): void {
    this.skips++;
  }
  seqs(): string[] {
    return this.sent.map((m) => (m.type === "update" ? `${m.first_seq}-${m.seq}` : `${m.type}@${m.seq ?? ""}`));
  }
}

/** A book whose answers the test releases by hand, to order them against pushes. */
class ManualBook implements BookFeed {
  calls: Array<{
    channel: PublicChannel;
    resumeFrom: number | undefined;
    answer: (r: SubscribeReply) => void;
    fail: (e: Error) => void;
  }> = [];
  subscribe(channel: PublicChannel, resumeFrom?: number): Promise<SubscribeReply> {
    return new Promise((answer, fail) => this.calls.push({ channel, resumeFrom, answer, fail }));
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function update(first: number, last: number): Level2Update {
  const changes: Level2Update["changes"] = [];
  for (let s = first; s <= last; s++) changes.push(["buy", `${s}.00`, "1"]);
  return { type: "update", channel: "level2", instrument: "BTC-USD", first_seq: first, seq: last, time: 1, changes };
}

function snapshot(seq: number): FeedMessage {
  return { type: "snapshot", channel: "level2", instrument: "BTC-USD", seq, time: 1, bids: [], asks: [] };
}

function setup() {
  const book = new ManualBook();
  const failures: string[] = [];
  const stream = new Stream("level2:BTC-USD", "level2", "BTC-USD", book, (_c, _s, e) => failures.push(e.code));
  return { book, stream, failures };
}

describe("Stream", () => {
  it("buffers pushes that overtake the snapshot, then sends only what follows it", async () => {
    const { book, stream } = setup();
    const c = new FakeClient();
    stream.sync(c, stream.add(c));
    // Pushes arrive before the book's answer: one before the snapshot, one straddling it, one after.
    stream.deliver(update(9, 10));
    stream.deliver(update(11, 13));
    stream.deliver(update(14, 14));
    expect(c.sent).toEqual([]);
    book.calls[0]?.answer({ messages: [snapshot(12)], resumed: false });
    await flush();
    expect(c.seqs()).toEqual(["snapshot@12", "13-13", "14-14"]);
    expect(c.sent[1].changes).toEqual([["buy", "13.00", "1"]]);
    stream.deliver(update(15, 16));
    expect(c.seqs().at(-1)).toBe("15-16");
  });

  it("lets concurrent snapshot requests share one book call", async () => {
    const { book, stream } = setup();
    const a = new FakeClient();
    const b = new FakeClient();
    stream.sync(a, stream.add(a));
    stream.deliver(update(5, 5));
    stream.sync(b, stream.add(b));
    expect(book.calls).toHaveLength(1);
    book.calls[0]?.answer({ messages: [snapshot(4)], resumed: false });
    await flush();
    expect(a.seqs()).toEqual(["snapshot@4", "5-5"]);
    expect(b.seqs()).toEqual(["snapshot@4", "5-5"]);
  });

  it("repairs a gap from the book's log: the missing updates, in order, with no control message", async () => {
    const { book, stream } = setup();
    const a = new FakeClient();
    const b = new FakeClient();
    stream.sync(a, stream.add(a));
    stream.sync(b, stream.add(b));
    book.calls[0]?.answer({ messages: [snapshot(1)], resumed: false });
    await flush();
    // The push of seq 2 was lost (the book crashed after its commit): seq 3 reveals the gap.
    stream.deliver(update(3, 3));
    expect(book.calls).toHaveLength(2);
    expect(book.calls[1]?.resumeFrom).toBe(1); // one replay request for both sockets
    stream.deliver(update(4, 4)); // held while the repair is in flight
    book.calls[1]?.answer({ messages: [update(2, 3)], resumed: true });
    await flush();
    expect(a.seqs()).toEqual(["snapshot@1", "2-3", "4-4"]);
    expect(b.seqs()).toEqual(["snapshot@1", "2-3", "4-4"]);
  });

  it("resyncs with a snapshot when the book no longer has the missing updates", async () => {
    const { book, stream } = setup();
    const a = new FakeClient();
    stream.sync(a, stream.add(a));
    book.calls[0]?.answer({ messages: [snapshot(1)], resumed: false });
    await flush();
    stream.deliver(update(3, 3));
    expect(book.calls).toHaveLength(2);
    stream.deliver(update(4, 4)); // held while the resync is in flight
    book.calls[1]?.answer({ messages: [snapshot(3)], resumed: false, reason: "pruned" });
    await flush();
    expect(a.seqs()).toEqual(["snapshot@1", "resync@", "snapshot@3", "4-4"]);
    expect(a.sent[1].reason).toBe("pruned");
  });

  it("announces a resume, and continues after the replay (or after resume_from when nothing was missed)", async () => {
    const { book, stream } = setup();
    const a = new FakeClient();
    const b = new FakeClient();
    stream.sync(a, stream.add(a), { resumeFrom: 7 });
    book.calls[0]?.answer({ messages: [update(8, 9)], resumed: true });
    stream.sync(b, stream.add(b), { resumeFrom: 9 });
    book.calls[1]?.answer({ messages: [], resumed: true });
    await flush();
    stream.deliver(update(10, 10));
    expect(a.seqs()).toEqual(["resumed@", "8-9", "10-10"]);
    expect(a.sent[0]).toMatchObject({ type: "resumed", from_seq: 8 });
    expect(b.seqs()).toEqual(["resumed@", "10-10"]);
  });

  it("holds level2 back from a slow socket and sends one conflated snapshot when it catches up", async () => {
    const { book, stream } = setup();
    const slow = new FakeClient();
    const fast = new FakeClient();
    stream.sync(slow, stream.add(slow));
    stream.sync(fast, stream.add(fast));
    book.calls[0]?.answer({ messages: [snapshot(0)], resumed: false });
    await flush();
    slow.isSlow = true;
    for (let s = 1; s <= 5; s++) stream.deliver(update(s, s));
    expect(slow.seqs()).toEqual(["snapshot@0"]);
    expect(slow.skips).toBe(5);
    expect(fast.skips).toBe(0);
    expect(fast.seqs()).toHaveLength(6);
    slow.isSlow = false;
    stream.deliver(update(6, 6));
    book.calls[1]?.answer({ messages: [snapshot(6)], resumed: false });
    await flush();
    expect(slow.sent.at(-1)).toMatchObject({ type: "snapshot", seq: 6, conflated: true });
    stream.deliver(update(7, 7));
    expect(slow.seqs().at(-1)).toBe("7-7");
  });

  it("retries a book that fails, then gives the stream up with an error", async () => {
    const { book, stream, failures } = setup();
    const c = new FakeClient();
    stream.sync(c, stream.add(c));
    book.calls[0]?.fail(new Error("down"));
    await new Promise((r) => setTimeout(r, 250));
    expect(book.calls).toHaveLength(2);
    book.calls[1]?.fail(new Error("down"));
    await new Promise((r) => setTimeout(r, 450));
    expect(book.calls).toHaveLength(3);
    book.calls[2]?.fail(new Error("down"));
    await flush();
    expect(failures).toEqual(["unavailable"]);
  });
});

describe("trimUpdate", () => {
  it("cuts an update to the seqs after a point, one change per seq", () => {
    expect(trimUpdate(update(5, 8), 6)).toMatchObject({
      first_seq: 7,
      seq: 8,
      changes: [
        ["buy", "7.00", "1"],
        ["buy", "8.00", "1"],
      ],
    });
    expect(trimUpdate({ ...update(5, 8), changes: [["buy", "1.00", "1"]] }, 6)).toBeNull();
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MatchingEngine } from "./engine.ts";
import { commandStream, type Step } from "./test-arbitraries.ts";
import { checkBookShape, checkTakerPriority, LevelMirror, QuantityAudit } from "./test-audit.ts";
import type { EngineEvent, EngineSnapshot } from "./types.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

/** Runs `steps` on `engine`, returning each command's events. */
function run(engine: MatchingEngine, steps: Step[], start = 1_000): EngineEvent[][] {
  let now = start;
  return steps.map(({ dt, cmd }) => {
    now += dt;
    return engine.execute(cmd, now);
  });
}

/** Calls `check` after each step with the command, its events and the clock. */
function walk(
  engine: MatchingEngine,
  steps: Step[],
  check: (cmd: Step["cmd"], events: EngineEvent[], now: number) => void,
): void {
  let now = 1_000;
  for (const { dt, cmd } of steps) {
    now += dt;
    check(cmd, engine.execute(cmd, now), now);
  }
}

function clockOf(steps: Step[], start = 1_000): number {
  return steps.reduce((t, s) => t + s.dt, start);
}

/** The snapshot without the clock: a rejected command may still advance time. */
function bookState(engine: MatchingEngine): Omit<EngineSnapshot, "now"> {
  const { now: _now, ...rest } = engine.snapshot();
  return rest;
}

describe("engine invariants over random command streams", () => {
  it("never leaves the book crossed, keeps queues in price-time order, and matches by priority", () => {
    fc.assert(
      fc.property(commandStream(), (steps) => {
        const engine = new MatchingEngine();
        let now = 1_000;
        for (const { dt, cmd } of steps) {
          now += dt;
          // Expire what is due first, so `before` is the book the command meets.
          engine.execute({ type: "tick" }, now);
          const before = engine.l3();
          const events = engine.execute(cmd, now);
          checkBookShape(engine);
          checkTakerPriority(before, cmd, events);
          for (const e of events) {
            if (e.type === "trade") {
              expect(e.makerAccount).not.toBe(e.takerAccount);
              expect(e.qty).toBeGreaterThan(0);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("keeps each order type's promise: FOK all or nothing, IOC never rests, post-only never takes, limits hold", () => {
    fc.assert(
      fc.property(commandStream(), (steps) => {
        const engine = new MatchingEngine();
        walk(engine, steps, (cmd, events) => {
          if (cmd.type !== "place" || events.some((e) => e.type === "rejected")) return;
          if (cmd.kind === "stop" || cmd.kind === "stop_limit") return;
          const own = events.filter((e) => "id" in e && e.id === cmd.id && e.type !== "accepted");
          const trades = events.filter((e) => e.type === "trade" && e.takerId === cmd.id);
          if (cmd.tif === "fok")
            expect(own).toContainEqual(expect.objectContaining({ type: "done", reason: "filled" }));
          if (cmd.tif === "ioc" || cmd.tif === "fok" || cmd.kind === "market")
            expect(engine.order(cmd.id)).toBeUndefined();
          if (cmd.postOnly) expect(trades).toEqual([]);
          for (const t of trades) {
            if (t.type !== "trade" || cmd.price === undefined) continue;
            if (cmd.side === "buy") expect(t.price).toBeLessThanOrEqual(cmd.price);
            else expect(t.price).toBeGreaterThanOrEqual(cmd.price);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("conserves quantity: submitted = filled + resting + cancelled/expired, order by order", () => {
    fc.assert(
      fc.property(commandStream(), (steps) => {
        const engine = new MatchingEngine();
        const audit = new QuantityAudit();
        walk(engine, steps, (_cmd, events) => {
          audit.apply(events);
          audit.check(engine);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("emits level events from which a client rebuilds exactly the engine's L2 book", () => {
    fc.assert(
      fc.property(commandStream(), (steps) => {
        const engine = new MatchingEngine();
        const mirror = new LevelMirror();
        walk(engine, steps, (_cmd, events) => {
          mirror.apply(events);
          mirror.check(engine);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it("changes nothing on a rejected command", () => {
    fc.assert(
      fc.property(commandStream(), (steps) => {
        const engine = new MatchingEngine();
        let now = 1_000;
        for (const { dt, cmd } of steps) {
          now += dt;
          // Expire what is due first, so the command alone decides the change.
          engine.execute({ type: "tick" }, now);
          const before = bookState(engine);
          const events = engine.execute(cmd, now);
          if (events.some((e) => e.type === "rejected")) {
            expect(events).toHaveLength(1);
            expect(bookState(engine)).toEqual(before);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("replays the same commands into the same events", () => {
    fc.assert(
      fc.property(commandStream(), (steps) => {
        expect(run(new MatchingEngine(), steps)).toEqual(run(new MatchingEngine(), steps));
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it("gives the same events and book with or without a caller array (fast paths vs general path)", () => {
    fc.assert(
      fc.property(commandStream(), (steps) => {
        const fresh = new MatchingEngine();
        const given = new MatchingEngine();
        let now = 1_000;
        for (const { dt, cmd } of steps) {
          now += dt;
          const prefix: EngineEvent[] = [{ type: "level", side: "buy", price: 1, qty: 1 }];
          const out = given.execute(cmd, now, prefix);
          expect(out).toBe(prefix);
          // Strict: the same own properties (undefined ones included), so the same shapes.
          expect(out.slice(1)).toStrictEqual(fresh.execute(cmd, now));
          expect(given.snapshot()).toStrictEqual(fresh.snapshot());
        }
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it("restores from a snapshot into an engine that behaves identically for any continuation", () => {
    fc.assert(
      fc.property(commandStream(), commandStream(80), (prefix, continuation) => {
        const original = new MatchingEngine();
        run(original, prefix);
        const wire = JSON.parse(JSON.stringify(original.snapshot())) as EngineSnapshot;
        const restored = MatchingEngine.restore(wire);
        expect(restored.snapshot()).toEqual(original.snapshot());
        // Ids in the continuation restart at o1: they collide with prefix orders on purpose.
        const start = clockOf(prefix);
        expect(run(restored, continuation, start)).toEqual(run(original, continuation, start));
        expect(restored.snapshot()).toEqual(original.snapshot());
      }),
      { numRuns: RUNS / 2 },
    );
  });
});

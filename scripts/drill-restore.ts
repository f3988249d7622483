/**
 * `npm run drill:restore` (docs/recovery.md): a book taken through loss and restore on the local
 * stack, timed and checked.
 *
 * 1. The load run's stack (bench/load/stack.ts: fresh Postgres, migrated, Neon bridge, the Worker
 *    in Miniflare with `FAULT_ROUTES`); one instrument, funded traders.
 * 2. Load: every trader places limit orders around the mid (a third of them crossing).
 * 3. A bookmark (`POST /v1/admin/recovery/books/{symbol}/bookmarks`) while the load runs; more load.
 * 4. The load pauses until Postgres holds the book's whole journal, the book is lost (`…/wipe`:
 *    every row deleted) and the load resumes against it. Loss is detected when a read of the
 *    book fails. (A loss with events still in the Queue would mix two timelines in the journal:
 *    docs/recovery.md says why and what to do.)
 * 5. Restore (`…/restore`: bookmark, then roll forward from the journal); RTO is from loss
 *    detected to the first order accepted again. The load stops.
 * 6. Integrity: `…/verify` equal (journal seq contiguous from 1, a fresh replay's L3 equal to the
 *    live book's, journal head = live seq), every account's balances equal to its ledger journal
 *    (`…/accounts/{account}/verify`), and per asset Σ balances + fees = deposits.
 *
 * `--short` (CI): 4 traders, 2 s per load phase. `--json`: the last stdout line is one JSON object
 * (`integrity`, `rto_s`, …). Exit code 0 when integrity holds, 1 when not, 2 when it could not run.
 */
import { parseArgs } from "node:util";
import {
  client,
  createTraders,
  instrumentSymbols,
  listInstruments,
  OPERATOR,
  type Trader,
} from "../bench/load/setup.ts";
import { startLoadStack } from "../bench/load/stack.ts";

const { values } = parseArgs({
  options: { short: { type: "boolean" }, json: { type: "boolean" }, verbose: { type: "boolean" } },
});
const SHORT = values.short === true;
const TRADERS = SHORT ? 4 : 12;
const PHASE_MS = SHORT ? 2_000 : 10_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (m: string) => (values.json ? console.error(m) : console.log(m));
const SCALE = 10n ** 8n;
const units = (d: string): bigint => {
  const [i = "0", f = ""] = d.replace("-", "").split(".");
  const v = BigInt(i) * SCALE + BigInt(`${f}00000000`.slice(0, 8));
  return d.startsWith("-") ? -v : v;
};

interface Counters {
  accepted: number;
  refused: number;
}

/** One trader placing orders until `stop()`; `paused()` holds it between orders. */
async function trade(t: Trader, symbol: string, seed: number, c: Counters, stop: () => boolean, paused: () => boolean) {
  let n = 0;
  let x = seed;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % k;
  };
  while (!stop()) {
    if (paused()) {
      await sleep(20);
      continue;
    }
    const side = rand(2) === 0 ? "buy" : "sell";
    const cross = rand(3) === 0;
    const offset = (cross ? -1 : 1) * (1 + rand(20));
    const price = ((10_000 + (side === "buy" ? -offset : offset)) / 100).toFixed(2);
    const a = await t.http.call("POST", "/v1/orders", {
      client_order_id: `d-${seed}-${++n}`,
      instrument: symbol,
      side,
      type: "limit",
      price,
      size: `0.${1 + rand(9)}`,
    });
    if (a.status === 201 || a.status === 200) c.accepted++;
    else c.refused++;
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const stack = await startLoadStack({ runtime: "miniflare", faults: true, verbose: values.verbose === true });
  try {
    const base = stack.base;
    const admin = client(base, OPERATOR);
    const run = Math.random().toString(36).slice(2, 6).toUpperCase();
    const [symbol] = instrumentSymbols(`D${run}`, 1) as [string];
    await listInstruments(base, [symbol]);
    const { traders, deposits } = await createTraders(base, `d${run.toLowerCase()}`, TRADERS + 1, [symbol]);
    // The last trader only probes (its own open-order cap untouched by the load).
    const probe = traders.at(-1) as Trader;
    log(`drill: stack up (${stack.postgres}), ${symbol}, ${TRADERS} traders`);

    const counts: Counters = { accepted: 0, refused: 0 };
    let stopped = false;
    let paused = false;
    const load = traders.slice(0, TRADERS).map((t, i) =>
      trade(
        t,
        symbol,
        i + 1,
        counts,
        () => stopped,
        () => paused,
      ),
    );

    await sleep(PHASE_MS);
    const mark = await admin.expect<{ bookmark: string; seq: number }>(
      "POST",
      `/v1/admin/recovery/books/${symbol}/bookmarks`,
      {},
      201,
    );
    log(`drill: bookmark ${mark.bookmark} at seq ${mark.seq}`);
    await sleep(PHASE_MS);

    // Pause so Postgres holds everything acknowledged: the drill measures the restore, not pipeline lag.
    paused = true;
    await sleep(200);
    const head = await caughtUp(admin, symbol);
    log(`drill: journal caught up at seq ${head}; losing the book, then the load resumes against it`);
    await admin.expect("POST", `/v1/admin/recovery/books/${symbol}/wipe`, undefined, 200);
    paused = false;
    let detected = Date.now();
    for (let i = 0; ; i++) {
      const a = await probe.http.call("GET", `/v1/instruments/${symbol}/book?level=1`);
      if (a.status >= 400) {
        detected = Date.now();
        break;
      }
      if (i > 200) throw new Error("the loss was never detected");
      await sleep(10);
    }
    const restore = await admin.call<{ rolled_forward: number; seq: number }>(
      "POST",
      `/v1/admin/recovery/books/${symbol}/restore`,
      { bookmark: mark.bookmark },
    );
    if (restore.status !== 200) throw new Error(`restore answered ${restore.status}: ${restore.text}`);
    const restored = restore.body as { rolled_forward: number; seq: number };
    let served = Date.now();
    for (let i = 0; ; i++) {
      const a = await probe.http.call("POST", "/v1/orders", {
        client_order_id: `probe-${i}`,
        instrument: symbol,
        side: "buy",
        type: "limit",
        price: "95.00",
        size: "0.1",
      });
      if (a.status === 201 || a.status === 200) {
        served = Date.now();
        break;
      }
      if (i > 500) throw new Error(`orders are not accepted after the restore: ${a.status} ${a.text}`);
      await sleep(10);
    }
    const rto_s = (served - detected) / 1000;
    log(`drill: restored (rolled forward ${restored.rolled_forward} events to seq ${restored.seq}); RTO ${rto_s} s`);
    await sleep(PHASE_MS / 2);
    stopped = true;
    await Promise.all(load);
    const finalHead = await caughtUp(admin, symbol);

    const problems: string[] = [];
    const verify = await admin.expect<{ equal: boolean; differences: string[] }>(
      "GET",
      `/v1/admin/recovery/books/${symbol}/verify`,
    );
    if (!verify.equal) problems.push(...verify.differences.map((d) => `book: ${d}`));
    for (const t of traders) {
      const v = await accountVerified(admin, t.account);
      if (v.length > 0) problems.push(...v.map((d) => `${t.account}: ${d}`));
    }
    const totals = new Map<string, bigint>();
    for (const t of traders) {
      const b = await admin.expect<{ balances: Array<{ asset: string; total: string }> }>(
        "GET",
        `/v1/admin/accounts/${t.account}/balances`,
      );
      for (const x of b.balances) totals.set(x.asset, (totals.get(x.asset) ?? 0n) + units(x.total));
    }
    const fees = await admin.expect<{ assets: Array<{ asset: string; collected: string }> }>("GET", "/v1/admin/fees");
    for (const f of fees.assets) totals.set(f.asset, (totals.get(f.asset) ?? 0n) + units(f.collected));
    for (const [asset, amount] of deposits) {
      const want = units(amount) * BigInt(traders.length);
      if (totals.get(asset) !== want)
        problems.push(`${asset}: Σ balances + fees ${totals.get(asset)} ≠ deposits ${want}`);
    }
    const integrity = problems.length === 0;
    for (const p of problems) log(`drill: PROBLEM ${p}`);
    log(`drill: integrity ${integrity ? "ok" : "FAILED"}; RTO ${rto_s} s`);
    const report = {
      integrity,
      rto_s,
      restore_ms: served - detected,
      bookmark_seq: mark.seq,
      loss_seq: head,
      rolled_forward: restored.rolled_forward,
      final_seq: finalHead,
      orders_accepted: counts.accepted,
      orders_refused: counts.refused,
      traders: traders.length,
      problems,
      duration_s: (Date.now() - started) / 1000,
    };
    if (values.json) console.log(JSON.stringify(report));
    return integrity ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

/** Waits until the journal's head equals the live book's seq (the pipeline has caught up). */
async function caughtUp(admin: ReturnType<typeof client>, symbol: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await admin.expect<{ journal_head: number; live_seq: number }>(
      "GET",
      `/v1/admin/recovery/books/${symbol}/verify`,
    );
    if (v.journal_head === v.live_seq) return v.live_seq;
    if (Date.now() > deadline) throw new Error(`the journal stayed at ${v.journal_head}, the book at ${v.live_seq}`);
    await sleep(250);
  }
}

async function accountVerified(admin: ReturnType<typeof client>, account: string): Promise<string[]> {
  let last: string[] = [];
  for (let i = 0; i < 20; i++) {
    const v = await admin.expect<{ equal: boolean; differences: string[] }>(
      "GET",
      `/v1/admin/recovery/accounts/${account}/verify`,
    );
    if (v.equal) return [];
    last = v.differences;
    await sleep(250);
  }
  return last;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`drill: ${err instanceof Error ? err.message : String(err)}`);
    if (values.json) console.log(JSON.stringify({ integrity: false, rto_s: null, error: String(err) }));
    process.exit(2);
  },
);

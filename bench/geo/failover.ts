/**
 * bench:geo's failover under load (docs/geography.md "Failover"):
 * 1. `POST /v1/faults` `{"target":"book","id":<symbol>,"kind":"outage","ms":n}` cuts the
 *    book's region off for n ms (fault routes on). A 4xx answer: no outage fault yet, the
 *    phase is not available (`rto_s: null`, a note), and the run goes on.
 * 2. The registry sets the instrument's `status` to `"failover"` once the book has been
 *    unreachable for `FAILOVER_AFTER_MS`; polled on `GET /v1/instruments/{symbol}`.
 * 3. The operator restores it elsewhere: `POST /v1/admin/instruments/{symbol}/failover`
 *    `{"region"}` → 200 `{book_epoch, home_region, verified}`.
 * 4. A probe order (a buy far below the mid, retried every 100 ms with the same client
 *    order id) until one is accepted (201) on the restored book: `rto_s` runs from the outage
 *    injection to that answer. An order the Account accepted while its book was away
 *    (`pending_new`) is not on a book yet: then the time is when it is first seen resting.
 *    Then the instrument's status must be back to what it was and its `book_epoch` one higher.
 * The traders' refusals meanwhile are counted by the caller (the load's tally).
 */
import type { Instrument } from "../../shared/instruments/schema.ts";
import { type OrderResult, sleep } from "../../test/client/index.ts";
import { client, MID_TICKS, OPERATOR, type Trader } from "../load/setup.ts";
import type { LoadResults } from "../load/traders.ts";
import { placeUntilDecided, price } from "./pacer.ts";

export interface FailoverOutcome {
  available: boolean;
  /** Why the phase is not available, or what went wrong; null when all went by the contract. */
  note: string | null;
  /** Outage injected → first order accepted on the restored book, s. */
  rto_s: number | null;
  /** Outage injected → status "failover" seen, s. */
  detected_s: number | null;
  /** Outage injected → the failover route's answer, s. */
  restored_s: number | null;
  /** The failover route's answer: the new book's epoch and region, and whether it verified the book. */
  book_epoch: number | null;
  home_region: string | null;
  verified: boolean | null;
  /** Status and epoch before, and after the probe was accepted. */
  before: { status: string; book_epoch: number; home_region: string } | null;
  after: { status: string; book_epoch: number; home_region: string } | null;
  /** The probe's undecided answers by "<status> <code>", and its order's status when accepted. */
  probe_retries: Record<string, number>;
  probe_status: string | null;
}

type Listing = Pick<Instrument, "status" | "home_region"> & { book_epoch?: number };

const view = (i: Listing) => ({ status: i.status, book_epoch: i.book_epoch ?? 0, home_region: i.home_region });

export async function failover(o: {
  base: string;
  symbol: string;
  to: string;
  outageMs: number;
  afterMs: number;
  prober: Trader;
  results: LoadResults;
  log: (line: string) => void;
}): Promise<FailoverOutcome> {
  const pub = client(o.base);
  const admin = client(o.base, OPERATOR);
  const out: FailoverOutcome = {
    available: false,
    note: null,
    rto_s: null,
    detected_s: null,
    restored_s: null,
    book_epoch: null,
    home_region: null,
    verified: null,
    before: null,
    after: null,
    probe_retries: {},
    probe_status: null,
  };
  const listing = async (): Promise<Listing | undefined> => {
    const a = await pub.call<Listing>("GET", `/v1/instruments/${o.symbol}`);
    return a.ok ? a.body : undefined;
  };
  const first = await listing();
  if (!first) {
    out.note = `GET /v1/instruments/${o.symbol} failed before the outage`;
    return out;
  }
  out.before = view(first);

  const t0 = performance.now();
  const since = () => Math.round((performance.now() - t0) / 100) / 10;
  const fault = await admin.call("POST", "/v1/faults", {
    target: "book",
    id: o.symbol,
    kind: "outage",
    ms: o.outageMs,
  });
  if (!fault.ok) {
    const code = fault.body?.code ?? "";
    out.note =
      fault.status >= 400 && fault.status < 500
        ? `failover not available: POST /v1/faults {"kind":"outage"} answered ${fault.status} ${code} (no outage fault in this build)`
        : `failover not available: POST /v1/faults {"kind":"outage"} answered ${fault.status} ${code}`;
    return out;
  }
  out.available = true;
  o.log(`  failover: ${o.symbol}'s book cut off for ${o.outageMs / 1000} s`);

  // 2. the registry notices.
  const detectBy = performance.now() + o.afterMs + 20_000;
  while (performance.now() < detectBy) {
    const now = await listing();
    if (now?.status === "failover") {
      out.detected_s = since();
      break;
    }
    await sleep(100);
  }
  if (out.detected_s === null) {
    out.note = `status never became "failover" within ${(o.afterMs + 20_000) / 1000} s of the outage`;
    return out;
  }
  o.log(`  failover: status "failover" after ${out.detected_s} s; restoring in ${o.to} …`);

  // 3. the operator restores the book elsewhere.
  const restored = await admin.call<{ book_epoch: number; home_region: string; verified: boolean }>(
    "POST",
    `/v1/admin/instruments/${o.symbol}/failover`,
    { region: o.to },
  );
  out.restored_s = since();
  if (!restored.ok) {
    out.note = `POST /v1/admin/instruments/${o.symbol}/failover answered ${restored.status} ${restored.body?.code ?? restored.text.slice(0, 200)}`;
    if (restored.status === 404 && restored.body?.code !== "instrument_not_found") out.available = false;
    return out;
  }
  out.book_epoch = restored.body.book_epoch;
  out.home_region = restored.body.home_region;
  out.verified = restored.body.verified;

  // 4. the first order accepted on the restored book.
  const probe = await placeUntilDecided(
    o.prober,
    {
      client_order_id: `failover-probe-${o.symbol}`,
      instrument: o.symbol,
      side: "buy",
      price: price(MID_TICKS - 200),
      size: "0.001",
    },
    o.results,
    { retryMs: 100, attempts: 600 },
  );
  out.probe_retries = Object.fromEntries(probe.retried);
  const placed = probe.answer?.ok ? probe.answer.body.order : undefined;
  if (placed) {
    let status = placed.status;
    let at = probe.at;
    const by = performance.now() + 60_000;
    while (status === "pending_new" && performance.now() < by) {
      await sleep(100);
      const seen = await o.prober.http.call<OrderResult>("GET", `/v1/orders/${placed.order_id}`);
      if (seen.ok) status = seen.body.order.status;
      at = performance.now();
    }
    out.probe_status = status;
    if (status === "pending_new") out.note = "the probe order stayed pending_new for 60 s after the restore";
    else out.rto_s = Math.round((at - t0) / 100) / 10;
  } else {
    const why = probe.answer ? `${probe.answer.status} ${probe.answer.text.slice(0, 200)}` : "undecided after 60 s";
    out.note = `the probe order was not accepted: ${why}`;
  }
  const last = await listing();
  if (last) out.after = view(last);
  if (out.note === null && out.after && out.before) {
    const problems: string[] = [];
    if (out.after.status !== out.before.status) problems.push(`status ${out.after.status}, was ${out.before.status}`);
    if (out.after.book_epoch !== out.before.book_epoch + 1)
      problems.push(`book_epoch ${out.after.book_epoch}, was ${out.before.book_epoch}`);
    if (problems.length > 0) out.note = `after the failover: ${problems.join("; ")}`;
  }
  o.log(`  failover: first order accepted ${out.rto_s ?? "never"} s after the outage`);
  return out;
}

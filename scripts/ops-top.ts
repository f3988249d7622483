/**
 * `npm run ops:top [-- --url http://127.0.0.1:8787] [--token T] [--interval 2] [--once]`:
 * a live table of the venue's KPIs (books, orders/s, p99, lags, breakers) from
 * `GET /v1/admin/metrics`, refreshed every `--interval` seconds. `--once` prints
 * one table (two readings `--interval` apart) and exits: for scripts and tests.
 * The token defaults to $OPERATOR_TOKEN, else the development token.
 */
import { parseArgs } from "node:util";
import { parsePrometheusText } from "./ops-top/parse.ts";
import { kpis, type Reading, render } from "./ops-top/table.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string" },
    interval: { type: "string", default: "2" },
    once: { type: "boolean", default: false },
  },
});
const token = values.token ?? process.env.OPERATOR_TOKEN ?? "dev-operator-token";
const intervalMs = Math.max(0.2, Number(values.interval)) * 1000;
const endpoint = `${(values.url as string).replace(/\/$/, "")}/v1/admin/metrics`;

async function read(): Promise<Reading> {
  const res = await fetch(endpoint, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GET ${endpoint}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return { at: Date.now(), samples: parsePrometheusText(await res.text()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  let before = await read();
  for (;;) {
    await sleep(intervalMs);
    const after = await read();
    const table = render(kpis(before, after), values.url as string);
    if (values.once) {
      console.log(table);
      return;
    }
    process.stdout.write(`\x1b[2J\x1b[H${table}\n\n(Ctrl-C to stop)\n`);
    before = after;
  }
}

main().catch((err) => {
  console.error(`ops:top: ${(err as Error).message}`);
  process.exit(1);
});

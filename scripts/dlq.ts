/**
 * `npm run dlq`: the dead-lettered events of a deployment, through its operator API
 * (`/v1/admin/dead-letters`, docs/events.md "Dead letters").
 *
 *   npm run dlq -- list [--type book.trade] [--reason invalid_body] [--replayed false] [--limit 50] [--cursor C]
 *   npm run dlq -- show 42
 *   npm run dlq -- replay 42 43                  # these ids
 *   npm run dlq -- replay --all [--type T] [--reason R]   # every one not replayed yet, page by page
 *
 * Options: `--url` (default http://127.0.0.1:8787), `--token` (operator token; default
 * $OPERATOR_TOKEN, else the development token), `--json` (the API's answers as JSON lines).
 * Exit 0 when done; 1 when a replay left some dead letters (still refused, or no such id);
 * 2 on a usage error or when the API refused or failed.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface Letter {
  id: number;
  received_at: string;
  reason: string;
  detail: string;
  schema: string | null;
  stream: string | null;
  type: string | null;
  key: string | null;
  seq: number | null;
  replayed_at: string | null;
}
interface Report {
  replayed: number;
  results: Array<{ id: number; outcome: string; version: number | null; reason: string | null; detail: string | null }>;
  next_after: number | null;
}

const USAGE = "usage: npm run dlq -- list|show <id>|replay <id…|--all> [--url U] [--token T] [--json]";

class UsageError extends Error {}

/** Runs one command; `print` gets each output line. Answers the exit code. */
export async function main(argv: string[], print: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:8787" },
      token: { type: "string" },
      type: { type: "string" },
      reason: { type: "string" },
      replayed: { type: "string" },
      limit: { type: "string" },
      cursor: { type: "string" },
      all: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const base = `${values.url.replace(/\/+$/, "")}/v1/admin/dead-letters`;
  const token = values.token ?? process.env.OPERATOR_TOKEN ?? "dev-operator-token";
  const call = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${res.status} ${problemText(text)}`);
    return JSON.parse(text) as T;
  };
  const [command, ...args] = positionals;
  try {
    if (command === "list") {
      const query = new URLSearchParams();
      for (const k of ["type", "reason", "replayed", "limit", "cursor"] as const) {
        const v = values[k];
        if (v !== undefined) query.set(k, v);
      }
      const page = await call<{ dead_letters: Letter[]; next_cursor: string | null }>(query.size ? `?${query}` : "");
      if (values.json) print(JSON.stringify(page));
      else {
        for (const l of page.dead_letters) print(listLine(l));
        if (page.dead_letters.length === 0) print("no dead letters");
        if (page.next_cursor) print(`more: --cursor ${page.next_cursor}`);
      }
      return 0;
    }
    if (command === "show") {
      const id = idOf(args[0]);
      const letter = await call<Letter & { body: unknown }>(`/${id}`);
      print(JSON.stringify(letter, null, values.json ? undefined : 2));
      return 0;
    }
    if (command === "replay") {
      if (values.all === args.length > 0) throw new UsageError("replay takes ids or --all, not both");
      const reports: Report[] = [];
      if (values.all) {
        let after = 0;
        for (;;) {
          const report = await call<Report>("/replay", { all: true, type: values.type, reason: values.reason, after });
          reports.push(report);
          if (report.next_after === null) break;
          after = report.next_after;
        }
      } else reports.push(await call<Report>("/replay", { ids: args.map(idOf) }));
      const results = reports.flatMap((r) => r.results);
      if (values.json) for (const r of reports) print(JSON.stringify(r));
      else {
        for (const r of results) {
          const why = r.outcome === "invalid" ? `: ${r.reason}: ${r.detail}` : r.version ? ` (v${r.version})` : "";
          print(`${r.id} ${r.outcome}${why}`);
        }
        const replayed = reports.reduce((n, r) => n + r.replayed, 0);
        print(`replayed ${replayed} of ${results.length}`);
      }
      return results.some((r) => r.outcome === "invalid" || r.outcome === "not_found") ? 1 : 0;
    }
    throw new UsageError(command === undefined ? "no command" : `unknown command ${command}`);
  } catch (err) {
    print(err instanceof UsageError ? `${err.message}\n${USAGE}` : `dlq: ${err instanceof Error ? err.message : err}`);
    return 2;
  }
}

function idOf(text: string | undefined): number {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) throw new UsageError(`not a dead-letter id: ${text}`);
  return Number(text);
}

function listLine(l: Letter): string {
  const what = l.schema ?? (l.stream && l.type ? `${l.stream}.${l.type}` : "?");
  const where = l.key === null ? "" : ` ${l.key}${l.seq === null ? "" : `#${l.seq}`}`;
  const replayed = l.replayed_at ? ` replayed ${l.replayed_at}` : "";
  return `${l.id} ${l.received_at} ${l.reason} ${what}${where}${replayed} — ${l.detail}`;
}

function problemText(text: string): string {
  try {
    const p = JSON.parse(text) as { code?: string; detail?: string };
    return `${p.code ?? ""}: ${p.detail ?? text}`;
  } catch {
    return text;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}

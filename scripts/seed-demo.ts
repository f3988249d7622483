/**
 * Seeds a running API with two demo accounts, `alice` and `bob`, each with a
 * read+trade API key and funds. Idempotent: existing accounts are kept, and the
 * deposits use fixed references, so running it again credits nothing twice.
 *
 *   npm run dev                       # in another terminal
 *   npm run seed:demo                 # http://127.0.0.1:8787, OPERATOR_TOKEN or the development token
 *   npm run seed:demo -- --url https://api.example.com --token "$OPERATOR_TOKEN"
 *
 * A key's secret exists only in the reply that created it: it is printed for
 * new accounts only; for an account that already existed, its keys were made earlier.
 * `npm run dev` (scripts/dev.ts) calls `seedDemo` at start-up and keeps the keys it
 * created in `.wrangler/demo-keys.json`, so it can print them at every start.
 */

interface Demo {
  account: string;
  name: string;
  deposits: [asset: string, amount: string][];
}

const DEMO: Demo[] = [
  {
    account: "alice",
    name: "Alice (demo)",
    deposits: [
      ["USD", "100000"],
      ["BTC", "2"],
      ["EUR", "1000000"],
      ["AUD", "250000"],
      ["AAPL", "500"],
      ["BHP", "1000"],
    ],
  },
  {
    account: "bob",
    name: "Bob (demo)",
    deposits: [
      ["USD", "250000"],
      ["BTC", "5"],
      ["EUR", "1000000"],
      ["AUD", "250000"],
      ["AAPL", "200"],
      ["BHP", "2000"],
    ],
  },
];

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  return inline?.slice(name.length + 3);
}

/** A key created by the seed: its secret is in this reply only. */
export interface DemoKey {
  account: string;
  key_id: string;
  secret: string;
}

interface Target {
  base: string;
  headers: Record<string, string>;
  log: (line: string) => void;
}

/** The fields of the replies this script reads. */
interface Reply {
  status: number;
  json: {
    code?: string;
    detail?: string;
    api_key?: { id: string; secret?: string };
    balances?: { asset: string; available: string }[];
  } | null;
}

async function call(target: Target, method: string, path: string, body?: unknown): Promise<Reply> {
  const { base } = target;
  let res: Response;
  try {
    res = await fetch(`${base}/v1${path}`, {
      method,
      headers: target.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new Error(`cannot reach ${base} (${(err as Error).message}): start the API first with \`npm run dev\`.`);
  }
  const text = await res.text();
  let json: Reply["json"] = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { detail: text };
  }
  return { status: res.status, json };
}

function fail(what: string, r: Reply): never {
  const hint = r.status === 401 || r.status === 403 ? " (is --token the operator token?)" : "";
  throw new Error(`${what}: HTTP ${r.status} ${r.json?.code ?? ""} ${r.json?.detail ?? ""}${hint}`);
}

async function seed(target: Target, demo: Demo): Promise<DemoKey | undefined> {
  const log = target.log;
  let created_key: DemoKey | undefined;
  const created = await call(target, "POST", "/admin/accounts", {
    account_id: demo.account,
    name: demo.name,
    api_key: { name: "demo", scopes: ["read", "trade"] },
  });
  if (created.status === 201) {
    const key = created.json?.api_key;
    log(`${demo.account}: created`);
    log(`  api key id: ${key?.id}`);
    log(`  api secret: ${key?.secret}   (shown once: keep it)`);
    if (key?.id && key.secret) created_key = { account: demo.account, key_id: key.id, secret: key.secret };
  } else if (created.status === 409 && created.json?.code === "account_exists") {
    log(`${demo.account}: already exists; its API keys were created earlier (secrets are shown only once).`);
  } else {
    fail(`creating ${demo.account}`, created);
  }
  for (const [asset, amount] of demo.deposits) {
    const reference = `demo-seed-${demo.account}-${asset}`;
    const r = await call(target, "POST", `/admin/accounts/${demo.account}/deposits`, { asset, amount, reference });
    if (r.status === 201) log(`  deposited ${amount} ${asset}`);
    else if (r.status === 200) log(`  ${amount} ${asset} was deposited before (${reference})`);
    else fail(`depositing ${asset} to ${demo.account}`, r);
  }
  const balances = await call(target, "GET", `/admin/accounts/${demo.account}/balances`);
  if (balances.status !== 200) fail(`reading ${demo.account}'s balances`, balances);
  for (const b of balances.json?.balances ?? []) log(`  ${b.asset.padEnd(5)} available ${b.available}`);
  return created_key;
}

/** Seeds `base` with the demo accounts; the keys it created (none for accounts that existed). */
export async function seedDemo(options: {
  base: string;
  token: string;
  log?: (line: string) => void;
}): Promise<DemoKey[]> {
  const target: Target = {
    base: options.base.replace(/\/+$/, ""),
    headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
    log: options.log ?? ((line) => console.log(line)),
  };
  target.log(`Seeding ${target.base}`);
  const keys: DemoKey[] = [];
  for (const demo of DEMO) {
    const key = await seed(target, demo);
    if (key) keys.push(key);
  }
  return keys;
}

if (process.argv[1]?.endsWith("seed-demo.ts")) {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log("usage: npm run seed:demo -- [--url http://127.0.0.1:8787] [--token OPERATOR_TOKEN]");
    process.exit(0);
  }
  try {
    await seedDemo({
      base: option("url") ?? process.env.API_URL ?? "http://127.0.0.1:8787",
      token: option("token") ?? process.env.OPERATOR_TOKEN ?? "dev-operator-token",
    });
    console.log('Done. Get a token: POST /v1/auth/token {"api_key": "<id>", "api_secret": "<secret>"}');
  } catch (err) {
    console.error(`seed-demo: ${(err as Error).message}`);
    process.exit(1);
  }
}

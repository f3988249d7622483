/**
 * `npm run proto:check` (CI): fails (exit 1) when the definitions in proto/ do not pass
 * `buf lint` or `buf format`, break compatibility with the released image
 * (proto/released.binpb, buf.yaml's FILE rules), or when shared/proto/gen/ is not what
 * `npm run proto:gen` makes of them now (generated again into a temporary folder and compared).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { buf, GENERATED_DIR, RELEASED_IMAGE, ROOT } from "./proto-buf.ts";

/** Every file under `dir`, as paths relative to it, sorted; none when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

/** The differences between the committed generated code and `fresh` (a generated copy). */
function staleGenerated(fresh: string): string[] {
  const committed = join(ROOT, GENERATED_DIR);
  const want = filesUnder(fresh);
  const have = filesUnder(committed);
  const out: string[] = [];
  for (const f of want) {
    if (!have.includes(f)) out.push(`${GENERATED_DIR}/${f}: missing`);
    else if (readFileSync(join(fresh, f), "utf8") !== readFileSync(join(committed, f), "utf8")) {
      out.push(`${GENERATED_DIR}/${f}: differs from what the definitions generate`);
    }
  }
  for (const f of have) if (!want.includes(f)) out.push(`${GENERATED_DIR}/${f}: generated from no definition`);
  return out;
}

const failures: string[] = [];
const step = (name: string, args: string[], fix: string) => {
  const r = buf(args);
  if (r.status === 0) {
    console.log(`proto:check: ${name} ok`);
    return;
  }
  process.stderr.write(r.stdout + r.stderr);
  failures.push(`${name} failed: ${fix}`);
};

step("buf lint", ["lint"], "fix the definitions (docs/grpc.md lists the rules)");
step("buf format", ["format", "--diff", "--exit-code"], "run `npx buf format -w`");
step(
  `buf breaking against ${RELEASED_IMAGE}`,
  ["breaking", "--against", RELEASED_IMAGE],
  'keep released fields, numbers and names; add new ones instead (docs/grpc.md "Breaking changes")',
);

const tmp = mkdtempSync(join(tmpdir(), "proto-gen-"));
try {
  const gen = buf(["generate", "--output", tmp]);
  if (gen.status !== 0) {
    process.stderr.write(gen.stdout + gen.stderr);
    failures.push("buf generate failed");
  } else {
    const stale = staleGenerated(join(tmp, GENERATED_DIR));
    for (const s of stale) console.error(s);
    if (stale.length > 0) failures.push("generated code out of date: run `npm run proto:gen` and commit it");
    else console.log(`proto:check: ${GENERATED_DIR} up to date`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

for (const f of failures) console.error(`proto:check: ${f}`);
process.exit(failures.length > 0 ? 1 : 0);

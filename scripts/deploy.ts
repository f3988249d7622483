/**
 * `npm run deploy -- --env staging|production [wrangler deploy options]`.
 *
 * wrangler.toml's top level is development: `ENVIRONMENT=development`, the published
 * operator token and signing key. `wrangler deploy` without `--env` would publish
 * exactly that, so this script refuses to run without an environment that wrangler.toml
 * declares (`[env.<name>]`), and refuses `development`. (The Worker also refuses the
 * development credentials from anywhere but loopback, shared/auth/dev-credentials.ts,
 * so a deploy that bypasses this script still hands out nothing.)
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The environments `[env.<name>]` of a wrangler.toml text. */
export function declaredEnvironments(toml: string): string[] {
  const names = new Set<string>();
  for (const match of toml.matchAll(/^\[env\.([A-Za-z0-9_-]+)(?:\.[^\]]*)?\]/gm)) names.add(match[1] as string);
  return [...names];
}

/** The environment named by `--env X`, `--env=X` or `-e X`; undefined when none. */
export function requestedEnvironment(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--env" || arg === "-e") return argv[i + 1];
    if (arg.startsWith("--env=")) return arg.slice("--env=".length);
  }
  return undefined;
}

/** The wrangler arguments to run, or the reason to refuse. */
export function deployCommand(
  argv: readonly string[],
  environments: readonly string[],
): string[] | { refused: string } {
  const env = requestedEnvironment(argv);
  const choices = environments.join("|");
  if (env === undefined || env === "") {
    return {
      refused: `deploy needs an environment: npm run deploy -- --env ${choices}. The top level of wrangler.toml is development (published credentials) and is never deployed.`,
    };
  }
  if (!environments.includes(env)) {
    return {
      refused: `--env ${env} is not an environment of wrangler.toml (${choices}); development is never deployed.`,
    };
  }
  return ["deploy", ...argv];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const environments = declaredEnvironments(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  const command = deployCommand(process.argv.slice(2), environments);
  if (!Array.isArray(command)) {
    console.error(`deploy: ${command.refused}`);
    process.exit(2);
  }
  // The terminal and the console are static assets (web/dist/): build them from this checkout first.
  const web = spawnSync("npm", ["run", "--silent", "web:build"], { cwd: ROOT, stdio: "inherit" });
  if (web.status !== 0) {
    console.error("deploy: npm run web:build failed");
    process.exit(1);
  }
  const wrangler = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
  const run = spawnSync(process.execPath, [wrangler, ...command], { cwd: ROOT, stdio: "inherit" });
  process.exit(run.status ?? 1);
}

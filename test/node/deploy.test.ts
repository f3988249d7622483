/**
 * `npm run deploy` (scripts/deploy.ts) never publishes wrangler.toml's top level, which is
 * development with published credentials (review finding 2).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { declaredEnvironments, deployCommand } from "../../scripts/deploy.ts";

const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");

describe("npm run deploy", () => {
  it("knows the environments wrangler.toml declares", () => {
    expect(declaredEnvironments(toml).sort()).toEqual(["production", "staging"]);
  });

  it("refuses to run without an environment, or with one wrangler.toml does not declare", () => {
    const envs = declaredEnvironments(toml);
    for (const argv of [[], ["--dry-run"], ["--env"], ["--env="], ["--env", "development"], ["-e", "prod"]]) {
      const command = deployCommand(argv, envs);
      expect(command, argv.join(" ")).toHaveProperty("refused");
    }
    expect(deployCommand(["--env", "staging", "--dry-run"], envs)).toEqual(["deploy", "--env", "staging", "--dry-run"]);
    expect(deployCommand(["--env=production"], envs)).toEqual(["deploy", "--env=production"]);
  });

  it("exits non-zero with the reason before wrangler runs", () => {
    const script = new URL("../../scripts/deploy.ts", import.meta.url).pathname;
    const run = spawnSync(process.execPath, ["--experimental-strip-types", "--no-warnings", script], {
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/deploy needs an environment: npm run deploy -- --env staging\|production/);
  });

  it("hands a declared environment to wrangler deploy", () => {
    const script = new URL("../../scripts/deploy.ts", import.meta.url).pathname;
    const outdir = `${process.env.TMPDIR ?? "/tmp"}/p3-deploy-test-${process.pid}`;
    const run = spawnSync(
      process.execPath,
      ["--experimental-strip-types", "--no-warnings", script, "--env", "staging", "--dry-run", "--outdir", outdir],
      { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" } },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/--dry-run: exiting now/);
  }, 120_000);
});

/**
 * The journey against a running server: `node --experimental-strip-types test/e2e/cli.ts
 * --url http://127.0.0.1:8787 [--tag 2]` (token: $OPERATOR_TOKEN, else the development one).
 */
import { parseArgs } from "node:util";
import { runJourney } from "./journey.ts";

const { values } = parseArgs({
  options: { url: { type: "string", default: "http://127.0.0.1:8787" }, tag: { type: "string" } },
});
try {
  const summary = await runJourney({
    base: values.url as string,
    operatorToken: process.env.OPERATOR_TOKEN ?? "dev-operator-token",
    tag: values.tag,
    log: (line) => console.log(line),
  });
  console.log(`OK: ${summary}`);
} catch (err) {
  console.error(`FAILED: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
}

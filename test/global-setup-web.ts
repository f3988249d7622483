/**
 * The browser project's global setup: builds web/ (`npm run web:build`: the terminal, the console
 * and the docs bundle in web/dist/) once per run, so the suites test this checkout's pages.
 */
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync("npm", ["run", "--silent", "web:build"], { stdio: "inherit" });
}

/**
 * Operator routes of the live configuration (contracts: openapi/contracts/config.ts; manual:
 * docs/configuration.md). The ConfigStore validates, versions and audits; this router turns
 * its answers into HTTP: ETag and If-Match carry the version, refusals are problems.
 */
import type { Context } from "hono";
import type { ConfigRefusal, ConfigVersion } from "../../../durable-objects/config/contract.ts";
import { configStub } from "../../../durable-objects/config/stub.ts";
import { type ConfigDefaultsEnv, defaultDocument } from "../../../shared/config/defaults.ts";
import {
  CONFIG_SECTIONS,
  type ConfigSection,
  isConfigSection,
  validateDocument,
} from "../../../shared/config/sections.ts";
import { edgeConfig } from "../config/index.ts";
import type { AppEnv } from "../env.ts";
import { forgetInstruments } from "../instruments.ts";
import { resolvePolicy } from "../middleware/rate-limit/policy.ts";
import { getConfig, listConfigVersions, putConfig, rollbackConfig } from "../openapi/contracts/config.ts";
import { createRouter } from "../openapi/router.ts";
import { problemException } from "../problem.ts";

export const config = createRouter();

function sectionOr404(name: string): ConfigSection {
  if (isConfigSection(name)) return name;
  throw problemException(
    "config_section_not_found",
    `No configuration section ${JSON.stringify(name)}; the sections are ${CONFIG_SECTIONS.join(", ")}.`,
  );
}

/** `"3"`, `W/"3"` or `3` → 3; absent → undefined; anything else is a 400. */
function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(header.trim());
  if (!match) {
    throw problemException(
      "invalid_request",
      `If-Match must be the version the ETag of GET gave, e.g. "3"; got ${JSON.stringify(header)}.`,
    );
  }
  return Number(match[1]);
}

/** Who the audit log names: the operator's account and, where there is one, its key. */
function authorOf(c: Context<AppEnv>): string {
  const auth = c.get("auth");
  if (!auth) return "unknown";
  if (auth.via === "operator_token") return `${auth.account} (operator token)`;
  return auth.keyId ? `${auth.account} (key ${auth.keyId})` : `${auth.account} (${auth.via})`;
}

/** Version 0: the env defaults, shown as the document in force. */
function defaults(section: ConfigSection, env: ConfigDefaultsEnv) {
  return {
    section,
    version: 0,
    author: "env",
    reason: "no version written: the env vars are in force",
    at: null,
    at_ms: null,
    document: defaultDocument(section, env) as Record<string, unknown>,
  };
}

function answer(c: Context<AppEnv>, entry: ConfigVersion) {
  c.header("etag", `"${entry.version}"`);
  return c.json({ ...entry, document: entry.document as Record<string, unknown> }, 200);
}

function refusal(refused: ConfigRefusal): never {
  if (refused.code === "config_version_mismatch") {
    throw problemException(refused.code, refused.message, {
      headers: { etag: `"${refused.current}"` },
      extensions: { current_version: refused.current },
    });
  }
  if (refused.code === "config_version_not_found") throw problemException(refused.code, refused.message);
  const errors = refused.issues.map((i) => ({ field: i.path, message: i.message }));
  throw problemException(refused.code, refused.message, { extensions: { path: refused.issues[0]?.path, errors } });
}

/** Checks the edge can enforce a `rate-limits` document (route-class weights against the weighted budgets). */
function checkRateLimits(document: unknown): void {
  // What the schema refuses, the ConfigStore reports (with the precise path).
  if (!validateDocument("rate-limits", document).ok) return;
  try {
    resolvePolicy(undefined, document as Parameters<typeof resolvePolicy>[1]);
  } catch (err) {
    const message = (err as Error).message.replace(/^rateLimit: /, "");
    const path = /limits\.(\w+)/.exec(message)?.[1] ?? "(document)";
    refusal({
      ok: false,
      code: "invalid_config",
      message: `The rate-limits document is invalid: ${message}`,
      issues: [{ path, message }],
    });
  }
}

config.openapi(getConfig, async (c) => {
  const section = sectionOr404(c.req.valid("param").section);
  const entry = await configStub(c.env.CONFIG).get(section);
  if (!entry) {
    c.header("etag", '"0"');
    return c.json(defaults(section, c.env), 200);
  }
  return answer(c, entry);
});

config.openapi(putConfig, async (c) => {
  const section = sectionOr404(c.req.valid("param").section);
  const ifMatch = ifMatchVersion(c.req.header("if-match"));
  if (ifMatch === undefined) {
    throw problemException(
      "config_version_required",
      `Send If-Match with the version you are replacing (the ETag of GET /v1/admin/config/${section}).`,
    );
  }
  const { document, reason } = c.req.valid("json");
  if (section === "rate-limits") checkRateLimits(document);
  const result = await configStub(c.env.CONFIG).put(section, document, ifMatch, { author: authorOf(c), reason });
  if (!result.ok) refusal(result);
  await afterWrite(c, section);
  return answer(c, result.entry);
});

config.openapi(listConfigVersions, async (c) => {
  const section = sectionOr404(c.req.valid("param").section);
  const history = await configStub(c.env.CONFIG).versions(section);
  return c.json(
    {
      ...history,
      versions: history.versions.map((v) => ({ ...v, document: v.document as Record<string, unknown> })),
    },
    200,
  );
});

config.openapi(rollbackConfig, async (c) => {
  const section = sectionOr404(c.req.valid("param").section);
  const ifMatch = ifMatchVersion(c.req.header("if-match"));
  const { version, reason } = c.req.valid("json");
  const result = await configStub(c.env.CONFIG).rollback(section, version, ifMatch, {
    author: authorOf(c),
    reason,
  });
  if (!result.ok) refusal(result);
  await afterWrite(c, section);
  return answer(c, result.entry);
});

/** This isolate follows its own write at once (the others within their refresh). */
async function afterWrite(c: Context<AppEnv>, section: ConfigSection): Promise<void> {
  if (section === "instruments" || section === "fees") forgetInstruments();
  await edgeConfig(c.env)?.refresh();
}

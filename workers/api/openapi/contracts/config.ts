/**
 * Contracts of the live configuration (docs/configuration.md): read a section, write a new
 * version under `If-Match`, list its versions (the audit log), roll back. All need the `admin`
 * scope. The section is a plain string here: an unknown one is 404 `config_section_not_found`.
 */
import { z } from "@hono/zod-openapi";
import { CONFIG_SECTIONS } from "../../../../shared/config/sections.ts";
import { defineRoute } from "../define.ts";
import { json, problems } from "../schemas.ts";

const tags = ["operator"];
const body = <S extends z.ZodType>(schema: S) => ({ required: true, content: { "application/json": { schema } } });

export const SectionParams = z.object({
  section: z
    .string()
    .min(1)
    .max(40)
    .openapi({
      param: { name: "section", in: "path" },
      example: "rate-limits",
      description: `One of ${CONFIG_SECTIONS.join(", ")}.`,
    }),
});

const IfMatchHeaders = z.object({
  "if-match": z
    .string()
    .max(40)
    .optional()
    .openapi({
      description:
        'The version being replaced, as the ETag of `GET` gave it (`"3"`; `"0"` before the first write). Required on PUT ' +
        "(428 `config_version_required` without it); 412 `config_version_mismatch` when another version is live.",
      example: '"3"',
    }),
});

const Reason = z.string().trim().min(1, "say why (the audit log keeps it)").max(1000);

export const ConfigVersionSchema = z
  .object({
    section: z.enum(CONFIG_SECTIONS),
    version: z.number().int().openapi({ description: "1, 2, …; 0: never written, the env vars are in force." }),
    author: z
      .string()
      .openapi({ description: "Who wrote it: the operator's account and key, or `env`.", example: "operator" }),
    reason: z.string(),
    at: z.string().nullable().openapi({ description: "RFC 3339; null for version 0." }),
    at_ms: z.number().int().nullable(),
    document: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The section's document (docs/configuration.md)." }),
  })
  .openapi("ConfigVersion");

export const ConfigHistorySchema = z
  .object({
    section: z.enum(CONFIG_SECTIONS),
    current: z.number().int(),
    versions: z.array(ConfigVersionSchema).openapi({ description: "Newest first, at most 100." }),
  })
  .openapi("ConfigHistory");

export const PutConfigBody = z
  .object({
    document: z.record(z.string(), z.unknown()).openapi({ description: "The whole new document of the section." }),
    reason: Reason,
  })
  .strict()
  .openapi("ConfigWrite");

export const RollbackBody = z
  .object({ version: z.number().int().min(1).openapi({ description: "The version to bring back." }), reason: Reason })
  .strict()
  .openapi("ConfigRollback");

const etag = { ETag: { description: 'The version, quoted: `"3"`.', schema: { type: "string" as const } } };
const withEtag = <S extends z.ZodType>(schema: S, description: string) => {
  const response = json(schema, description);
  return { ...response, headers: { ...response.headers, ...etag } };
};

export const getConfig = defineRoute({
  method: "get",
  path: "/admin/config/{section}",
  operationId: "getConfig",
  tags,
  summary: "Read a configuration section",
  description: "The live version and its document; version 0 shows the env defaults in force before any write.",
  scope: "admin",
  routeClass: "admin",
  request: { params: SectionParams },
  responses: { 200: withEtag(ConfigVersionSchema, "The live version."), ...problems(401, 403, 404) },
});

export const putConfig = defineRoute({
  method: "put",
  path: "/admin/config/{section}",
  operationId: "putConfig",
  tags,
  summary: "Write a new version of a configuration section",
  description:
    "Validated whole by the section's schema (400 `invalid_config` naming the failing path in `path` and `errors`; the " +
    "live version stays). `instruments` and `fees` are applied to every book before the reply (409 " +
    "`instrument_conflict` when a book with open orders refuses a new tick or lot size). Every reader follows within 2 s.",
  scope: "admin",
  routeClass: "admin",
  request: { params: SectionParams, headers: IfMatchHeaders, body: body(PutConfigBody) },
  responses: {
    200: withEtag(ConfigVersionSchema, "Written: the new live version."),
    ...problems(400, 401, 403, 404, 409, 412, 413, 415, 428),
  },
});

export const listConfigVersions = defineRoute({
  method: "get",
  path: "/admin/config/{section}/versions",
  operationId: "listConfigVersions",
  tags,
  summary: "The audit log of a configuration section",
  scope: "admin",
  routeClass: "admin",
  request: { params: SectionParams },
  responses: { 200: json(ConfigHistorySchema, "Newest first."), ...problems(401, 403, 404) },
});

export const rollbackConfig = defineRoute({
  method: "post",
  path: "/admin/config/{section}/rollback",
  operationId: "rollbackConfig",
  tags,
  summary: "Bring back an earlier version",
  description:
    "Writes a new version whose document is the earlier one's (the log keeps both). `If-Match` is optional here; " +
    "when given it must be the live version (412 otherwise).",
  scope: "admin",
  routeClass: "admin",
  request: { params: SectionParams, headers: IfMatchHeaders, body: body(RollbackBody) },
  responses: {
    200: withEtag(ConfigVersionSchema, "Written: the new live version."),
    ...problems(400, 401, 403, 404, 409, 412, 413, 415),
  },
});

export const CONFIG_CONTRACTS = [getConfig, putConfig, listConfigVersions, rollbackConfig] as const;

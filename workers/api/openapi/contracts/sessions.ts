/** Contract of `GET /v1/sessions`: the FX sessions open now and the next ones. */
import { z } from "@hono/zod-openapi";
import { FX_SESSION_NAMES } from "../../../../shared/sessions/index.ts";
import { defineRoute } from "../define.ts";
import { json } from "../schemas.ts";

const Instant = z.string().openapi({ description: "RFC 3339 UTC.", example: "2026-03-09T12:00:00.000Z" });
const EpochMs = z.number().int().openapi({ description: "Epoch milliseconds." });

const SessionFields = {
  name: z.enum(FX_SESSION_NAMES),
  city: z.string().openapi({ example: "New York" }),
  time_zone: z.string().openapi({ example: "America/New_York" }),
  local_open: z.string().openapi({ description: "Local opening time, HH:MM.", example: "08:00" }),
  local_close: z.string().openapi({ description: "Local closing time, HH:MM.", example: "17:00" }),
};

export const OpenSessionSchema = z
  .object({ ...SessionFields, opened_at: Instant, opened_at_ms: EpochMs, closes_at: Instant, closes_at_ms: EpochMs })
  .openapi("OpenSession");

export const UpcomingSessionSchema = z
  .object({ ...SessionFields, opens_at: Instant, opens_at_ms: EpochMs, closes_at: Instant, closes_at_ms: EpochMs })
  .openapi("UpcomingSession");

export const SessionsSchema = z
  .object({
    time: Instant,
    epoch_ms: EpochMs,
    open: z.array(OpenSessionSchema).openapi({ description: "Sessions open now, in trading-day order." }),
    next: z.array(UpcomingSessionSchema).openapi({ description: "Sessions closed now, soonest opening first." }),
  })
  .openapi("Sessions");

export const getSessions = defineRoute({
  method: "get",
  path: "/sessions",
  operationId: "getSessions",
  tags: ["system"],
  summary: "FX trading sessions open now and next",
  description:
    "Sydney 07:00–16:00, Tokyo 09:00–18:00, London 08:00–17:00 and New York 08:00–17:00 local time, Monday to " +
    "Friday, with each city's daylight-saving rules. Every response also carries `X-Trading-Session`.",
  scope: "public",
  routeClass: "system",
  responses: { 200: json(SessionsSchema, "Open and upcoming sessions.") },
});

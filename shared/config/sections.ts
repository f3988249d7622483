/**
 * The configuration sections, their schemas, and what a stored version carries. A section's
 * document is validated whole by its schema before it is written (docs/configuration.md).
 */
import type { z } from "zod";
import { type FeedDocument, FeedDocumentSchema } from "./feed.ts";
import { type FeesDocument, FeesDocumentSchema } from "./fees.ts";
import { type InstrumentsDocument, InstrumentsDocumentSchema } from "./instruments.ts";
import { type RateLimitsDocument, RateLimitsDocumentSchema } from "./rate-limits.ts";
import { type RiskDocument, RiskDocumentSchema } from "./risk.ts";

export const CONFIG_SECTIONS = ["rate-limits", "feed", "risk", "fees", "instruments"] as const;
export type ConfigSection = (typeof CONFIG_SECTIONS)[number];

/** The document type of each section. */
export interface SectionDocuments {
  "rate-limits": RateLimitsDocument;
  feed: FeedDocument;
  risk: RiskDocument;
  fees: FeesDocument;
  instruments: InstrumentsDocument;
}

export const SECTION_SCHEMAS: { [S in ConfigSection]: z.ZodType<SectionDocuments[S]> } = {
  "rate-limits": RateLimitsDocumentSchema,
  feed: FeedDocumentSchema,
  risk: RiskDocumentSchema,
  fees: FeesDocumentSchema,
  instruments: InstrumentsDocumentSchema,
};

export function isConfigSection(name: string): name is ConfigSection {
  return (CONFIG_SECTIONS as readonly string[]).includes(name);
}

/** One stored version of a section: the audit record and the document. Versions start at 1. */
export interface ConfigVersion<S extends ConfigSection = ConfigSection> {
  section: S;
  version: number;
  author: string;
  reason: string;
  /** RFC 3339. */
  at: string;
  at_ms: number;
  document: SectionDocuments[S];
}

/** A field of a refused document: its path (`classes.order_entry.limit`) and what is wrong. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type Validated<S extends ConfigSection> =
  | { ok: true; document: SectionDocuments[S] }
  | { ok: false; issues: ConfigIssue[] };

/** Validates `input` as `section`'s document (defaults filled in); the failing paths if not. */
export function validateDocument<S extends ConfigSection>(section: S, input: unknown): Validated<S> {
  const parsed = SECTION_SCHEMAS[section].safeParse(input);
  if (parsed.success) return { ok: true, document: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.map(String).join(".") : "(document)",
      message: issue.message,
    })),
  };
}

/** Versions each section has reached (0: never written, the env defaults are in force). */
export type SectionVersions = Record<ConfigSection, number>;

export function noVersions(): SectionVersions {
  return { "rate-limits": 0, feed: 0, risk: 0, fees: 0, instruments: 0 };
}

/** Sections whose version moved past what a reader knew, with their current version. */
export type ConfigChanges = Partial<{ [S in ConfigSection]: ConfigVersion<S> }>;

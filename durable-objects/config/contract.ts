/**
 * What the ConfigStore's calls take and answer (durable-objects/config/index.ts). The sections,
 * their schemas and the version record are in shared/config/sections.ts.
 */
import type {
  ConfigChanges,
  ConfigIssue,
  ConfigSection,
  ConfigVersion,
  SectionDocuments,
  SectionVersions,
} from "../../shared/config/sections.ts";

export type { ConfigChanges, ConfigIssue, ConfigSection, ConfigVersion, SectionDocuments, SectionVersions };

/** Who writes, and why (both land in the audit log). */
export interface ConfigAuthor {
  author: string;
  reason: string;
}

/** Why a write was refused; the live version is unchanged. */
export type ConfigRefusal =
  | { ok: false; code: "invalid_config"; message: string; issues: ConfigIssue[] }
  | { ok: false; code: "config_version_mismatch"; message: string; current: number }
  | { ok: false; code: "config_version_not_found"; message: string }
  /** A subscriber refused the document (a book with open orders refuses a new tick or lot size). */
  | { ok: false; code: "instrument_conflict"; message: string; issues: ConfigIssue[] };

export type ConfigWrite<S extends ConfigSection = ConfigSection> =
  | { ok: true; entry: ConfigVersion<S> }
  | ConfigRefusal;

/** The audit log of a section, newest first. */
export interface ConfigHistory<S extends ConfigSection = ConfigSection> {
  section: S;
  current: number;
  versions: ConfigVersion<S>[];
}

/** The most versions `versions()` answers with. */
export const MAX_HISTORY = 100;

/** Longest `author` and `reason` kept, characters. */
export const MAX_AUTHOR_CHARS = 200;
export const MAX_REASON_CHARS = 1000;

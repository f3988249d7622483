/** The live configuration sections (docs/configuration.md), in the order the Config tab lists them. */
import type { components } from "@platform3/client";

export type ConfigSection = components["schemas"]["ConfigVersion"]["section"];

export const SECTIONS: ConfigSection[] = ["rate-limits", "feed", "risk", "fees", "instruments"];

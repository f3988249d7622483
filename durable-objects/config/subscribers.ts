/**
 * Objects that hold a section themselves and are pushed each new version before it is written:
 * the InstrumentRegistry holds `instruments` and `fees`, lays them over each listing and
 * configures every book whose spec changed (so a new band is in force in the book when the
 * write answers). A refusal there (a book with open orders refuses a new tick or lot size)
 * refuses the write. Readers of the other sections poll (shared/config/live-cache.ts).
 */
import type { ConfigSection, ConfigVersion } from "../../shared/config/sections.ts";
import { type InstrumentRegistry, registryStub } from "../instrument-registry/index.ts";
import type { ConfigRefusal } from "./contract.ts";

export interface SubscribersEnv {
  INSTRUMENTS?: DurableObjectNamespace<InstrumentRegistry>;
}

/** Pushes `entry` to its section's subscribers; a refusal, or undefined when all took it. */
export async function pushToSubscribers(
  env: SubscribersEnv,
  entry: ConfigVersion,
): Promise<Extract<ConfigRefusal, { code: "invalid_config" | "instrument_conflict" }> | undefined> {
  if (!isRegistrySection(entry.section)) return undefined;
  if (!env.INSTRUMENTS) throw new Error("ConfigStore needs the INSTRUMENTS binding: declare it in wrangler.toml.");
  const answer = await registryStub(env.INSTRUMENTS).applyConfig(entry.section, entry.version, entry.document);
  return answer.ok ? undefined : answer;
}

function isRegistrySection(section: ConfigSection): section is "instruments" | "fees" {
  return section === "instruments" || section === "fees";
}

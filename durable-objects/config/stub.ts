/** Addressing the ConfigStore: one object, "global", the single writer of every section. */
import type { ConfigStore } from "./index.ts";

export const CONFIG_NAME = "global";

export function configStub(ns: DurableObjectNamespace<ConfigStore>): DurableObjectStub<ConfigStore> {
  return ns.getByName(CONFIG_NAME);
}

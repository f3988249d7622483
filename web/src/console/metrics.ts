/**
 * The metrics endpoint read every 5 s (GET /v1/admin/metrics, Prometheus text): the latest
 * reading and the one before it, so rates and changes are computed between scrapes.
 */
import type { RestClient } from "@platform3/client";
import { useEffect, useState } from "preact/hooks";
import { parsePrometheus, type Sample } from "./prometheus.ts";

export const SCRAPE_INTERVAL_MS = 5_000;

export interface Reading {
  /** When the answer arrived, epoch ms. */
  at: number;
  samples: Sample[];
}

export interface Scrapes {
  previous: Reading | undefined;
  current: Reading | undefined;
  error: unknown;
}

export async function scrape(rest: RestClient): Promise<Reading> {
  const { data } = await rest.api.GET("/v1/admin/metrics", { parseAs: "text" });
  return { at: Date.now(), samples: parsePrometheus(data ?? "") };
}

export function useScrapes(rest: RestClient): Scrapes {
  const [state, setState] = useState<Scrapes>({ previous: undefined, current: undefined, error: undefined });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const reading = await scrape(rest);
        if (!stopped) setState((s) => ({ previous: s.current, current: reading, error: undefined }));
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error }));
      }
      if (!stopped) timer = setTimeout(tick, SCRAPE_INTERVAL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [rest]);
  return state;
}

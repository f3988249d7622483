/**
 * CPU profiles of the Worker's isolate over workerd's V8 inspector (the DevTools
 * protocol): locally the edge Worker and all its Durable Objects share one isolate
 * and one thread, so one profile holds all of them.
 *
 * The `.cpuprofile` written is what Chrome DevTools records: open it in DevTools
 * (Performance panel → "Load profile…") or in https://www.speedscope.app.
 */
import { writeFileSync } from "node:fs";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Default sampling interval, µs: fine enough to see a 20 µs statement over a few thousand orders. */
export const FINE_SAMPLING_US = 100;

/**
 * Profiles the isolate of `worker` (its name in workerd) while `during` runs and writes the
 * profile to `file` when given. Resolves with `during`'s result and the profile.
 */
export async function profileWhile<T>(
  inspectorPort: number,
  worker: string,
  during: () => Promise<T>,
  file?: string,
  samplingUs = FINE_SAMPLING_US,
): Promise<{ result: T; profile: CpuProfile }> {
  const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/core:user:${worker}`);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", () => reject(new Error(`cannot reach the inspector of ${worker}`)));
  });
  const waiting = new Map<number, (result: unknown) => void>();
  let id = 0;
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (m.id === undefined) return;
    waiting.get(m.id)?.(m.result);
    waiting.delete(m.id);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      waiting.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: samplingUs });
    await send("Profiler.start");
    const result = await during();
    const { profile } = (await send("Profiler.stop")) as { profile: CpuProfile };
    if (file) writeFileSync(file, JSON.stringify(profile));
    return { result, profile };
  } finally {
    ws.close();
  }
}

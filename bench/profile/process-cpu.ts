/**
 * CPU time the workerd process really spent (user and kernel, every thread), from
 * Linux's scheduler statistics: what a window of orders cost, undistorted by the load
 * generator competing for the same cores (a wall-clock profile counts the time its
 * thread waited for a core as busy). The profile says where the time goes; this says
 * how much there is.
 */
import { readdirSync, readFileSync } from "node:fs";

/** The workerd processes this process started (Miniflare's children). */
export function workerdPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === parent && name.startsWith("workerd")) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Nanoseconds on CPU of every thread of `pids` so far. */
export function cpuNs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // thread ended
      }
    }
  }
  return total;
}

/** Runs `work` and returns its result with the CPU µs the workerd processes spent meanwhile. */
export async function measuredCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpuUs: number }> {
  const pids = workerdPids();
  if (pids.length === 0) throw new Error("no workerd process of ours to measure (is the runtime Miniflare?)");
  const before = cpuNs(pids);
  const result = await work();
  return { result, cpuUs: (cpuNs(pids) - before) / 1000 };
}

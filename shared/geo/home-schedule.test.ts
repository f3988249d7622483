import { describe, expect, it } from "vitest";
import {
  currentSince,
  minuteOfDay,
  nextBoundary,
  nextChange,
  type ScheduleEntry,
  scheduledRegion,
  scheduleIssues,
} from "./home-schedule.ts";

const FX: ScheduleEntry[] = [
  { from: "00:00", region: "apac" },
  { from: "08:00", region: "weur" },
  { from: "13:00", region: "enam" },
];
const at = (iso: string) => Date.parse(iso);

describe("home schedule", () => {
  it("reads times of day", () => {
    expect(minuteOfDay("00:00")).toBe(0);
    expect(minuteOfDay("23:59")).toBe(1439);
    expect(minuteOfDay("24:00")).toBeNull();
    expect(minuteOfDay("7:00")).toBeNull();
    expect(minuteOfDay("07:60")).toBeNull();
  });

  it("names the region in force, wrapping around midnight", () => {
    expect(scheduledRegion(FX, at("2026-03-02T00:00:00Z"))).toBe("apac");
    expect(scheduledRegion(FX, at("2026-03-02T07:59:59.999Z"))).toBe("apac");
    expect(scheduledRegion(FX, at("2026-03-02T08:00:00Z"))).toBe("weur");
    expect(scheduledRegion(FX, at("2026-03-02T23:59:00Z"))).toBe("enam");
    const late: ScheduleEntry[] = [
      { from: "06:00", region: "weur" },
      { from: "20:00", region: "apac" },
    ];
    // Before the first entry of the day, yesterday's last entry is still in force.
    expect(scheduledRegion(late, at("2026-03-02T03:00:00Z"))).toBe("apac");
    expect(scheduledRegion([{ from: "12:00", region: "oc" }], at("2026-03-02T01:00:00Z"))).toBe("oc");
  });

  it("answers the next boundary strictly after the instant, and the next change of region", () => {
    expect(nextBoundary(FX, at("2026-03-02T07:00:00Z"))).toEqual({ at: at("2026-03-02T08:00:00Z"), region: "weur" });
    expect(nextBoundary(FX, at("2026-03-02T08:00:00Z"))).toEqual({ at: at("2026-03-02T13:00:00Z"), region: "enam" });
    expect(nextBoundary(FX, at("2026-03-02T13:30:00Z"))).toEqual({ at: at("2026-03-03T00:00:00Z"), region: "apac" });
    const repeat: ScheduleEntry[] = [
      { from: "00:00", region: "apac" },
      { from: "04:00", region: "apac" },
      { from: "12:00", region: "weur" },
    ];
    expect(nextChange(repeat, at("2026-03-02T01:00:00Z"))).toEqual({ at: at("2026-03-02T12:00:00Z"), region: "weur" });
    expect(nextChange([{ from: "12:00", region: "oc" }], at("2026-03-02T01:00:00Z"))).toBeNull();
  });

  it("answers when the entry in force began", () => {
    expect(currentSince(FX, at("2026-03-02T08:00:00Z"))).toBe(at("2026-03-02T08:00:00Z"));
    expect(currentSince(FX, at("2026-03-02T12:59:00Z"))).toBe(at("2026-03-02T08:00:00Z"));
    const late: ScheduleEntry[] = [
      { from: "06:00", region: "weur" },
      { from: "20:00", region: "apac" },
    ];
    expect(currentSince(late, at("2026-03-02T03:00:00Z"))).toBe(at("2026-03-01T20:00:00Z"));
  });

  it("refuses unsorted, repeated and malformed times", () => {
    expect(scheduleIssues(FX)).toEqual([]);
    expect(scheduleIssues([])).toHaveLength(1);
    expect(scheduleIssues([FX[1] as ScheduleEntry, FX[0] as ScheduleEntry])[0]?.index).toBe(1);
    expect(scheduleIssues([FX[0] as ScheduleEntry, { from: "00:00", region: "weur" }])[0]?.message).toContain(
      "distinct",
    );
    expect(scheduleIssues([{ from: "8:00", region: "weur" }])[0]?.message).toContain("HH:MM");
  });
});

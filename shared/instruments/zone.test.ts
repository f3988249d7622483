import { describe, expect, it } from "vitest";
import {
  formatDate,
  isValidTimeZone,
  parseDate,
  parseTime,
  utcToWall,
  wallToUtc,
  weekdayOf,
  zoneOffsetMs,
} from "./zone.ts";

const HOUR = 3_600_000;

/** Wall clock in a zone, as UTC ISO of the instant it maps to. */
function wall(tz: string, local: string): string {
  return new Date(wallToUtc(tz, Date.parse(`${local}Z`))).toISOString();
}

describe("isValidTimeZone", () => {
  it("accepts IANA zones and rejects unknown ones", () => {
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Australia/Sydney")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone("New York")).toBe(false);
  });
});

describe("zoneOffsetMs", () => {
  it("follows daylight saving", () => {
    expect(zoneOffsetMs("America/New_York", Date.parse("2026-01-15T12:00:00Z"))).toBe(-5 * HOUR);
    expect(zoneOffsetMs("America/New_York", Date.parse("2026-07-15T12:00:00Z"))).toBe(-4 * HOUR);
    expect(zoneOffsetMs("Europe/London", Date.parse("2026-01-15T12:00:00Z"))).toBe(0);
    expect(zoneOffsetMs("Europe/London", Date.parse("2026-07-15T12:00:00Z"))).toBe(HOUR);
    expect(zoneOffsetMs("Australia/Sydney", Date.parse("2026-01-15T12:00:00Z"))).toBe(11 * HOUR);
    expect(zoneOffsetMs("Australia/Sydney", Date.parse("2026-07-15T12:00:00Z"))).toBe(10 * HOUR);
    expect(zoneOffsetMs("Asia/Kolkata", Date.parse("2026-07-15T12:00:00Z"))).toBe(5.5 * HOUR);
  });

  it("changes exactly at the transition instant", () => {
    const ny = Date.parse("2026-03-08T07:00:00Z");
    expect(zoneOffsetMs("America/New_York", ny - 1)).toBe(-5 * HOUR);
    expect(zoneOffsetMs("America/New_York", ny)).toBe(-4 * HOUR);
  });

  it("throws for an unknown zone", () => {
    expect(() => zoneOffsetMs("Nowhere/Special", 0)).toThrow(RangeError);
  });
});

describe("wallToUtc", () => {
  it("maps ordinary wall times with the offset in force", () => {
    expect(wall("America/New_York", "2026-01-15T09:30:00")).toBe("2026-01-15T14:30:00.000Z");
    expect(wall("America/New_York", "2026-07-15T09:30:00")).toBe("2026-07-15T13:30:00.000Z");
    expect(wall("UTC", "2026-07-15T09:30:00")).toBe("2026-07-15T09:30:00.000Z");
  });

  it.each([
    // Spring forward: the wall time does not exist; it moves forward by the gap (one hour).
    ["America/New_York", "2026-03-08T02:30:00", "2026-03-08T07:30:00.000Z"], // = 03:30 EDT
    ["America/New_York", "2026-03-08T02:00:00", "2026-03-08T07:00:00.000Z"], // = 03:00 EDT
    ["Europe/London", "2026-03-29T01:30:00", "2026-03-29T01:30:00.000Z"], // = 02:30 BST
    ["Australia/Sydney", "2026-10-04T02:30:00", "2026-10-03T16:30:00.000Z"], // = 03:30 AEDT
  ])("gap: %s %s → %s", (tz, local, utc) => {
    expect(wall(tz, local)).toBe(utc);
  });

  it.each([
    // Fall back: the wall time happens twice; the earlier instant (still summer time) wins.
    ["America/New_York", "2026-11-01T01:30:00", "2026-11-01T05:30:00.000Z"], // EDT, not 06:30Z EST
    ["Europe/London", "2026-10-25T01:30:00", "2026-10-25T00:30:00.000Z"], // BST, not 01:30Z GMT
    ["Australia/Sydney", "2026-04-05T02:30:00", "2026-04-04T15:30:00.000Z"], // AEDT, not 16:30Z AEST
  ])("overlap: %s %s → %s", (tz, local, utc) => {
    expect(wall(tz, local)).toBe(utc);
  });

  it("inverts utcToWall outside gaps and overlaps", () => {
    for (const tz of ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Tokyo"]) {
      for (let t = Date.parse("2026-01-01T00:00:00Z"); t < Date.parse("2027-01-01T00:00:00Z"); t += 7 * HOUR + 13) {
        const w = utcToWall(tz, t);
        const back = wallToUtc(tz, w);
        // Unique wall times map back exactly; repeated ones map to the earlier instant.
        if (back !== t) {
          expect(back).toBeLessThan(t);
          expect(utcToWall(tz, back)).toBe(w);
        }
      }
    }
  });
});

describe("civil dates and times", () => {
  it("parses and formats dates", () => {
    expect(parseDate("1970-01-01")).toBe(0);
    expect(parseDate("2026-03-08")).toBe(20520);
    expect(formatDate(20520)).toBe("2026-03-08");
    expect(weekdayOf(20520)).toBe(0); // a Sunday
    expect(weekdayOf(0)).toBe(4); // 1970-01-01 was a Thursday
    expect(weekdayOf(-1)).toBe(3);
    expect(parseDate("2028-02-29")).not.toBeNull();
  });

  it.each(["2026-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026-01-01T00:00", ""])(
    "rejects the date %j",
    (date) => {
      expect(parseDate(date)).toBeNull();
    },
  );

  it("parses HH:MM times", () => {
    expect(parseTime("00:00")).toBe(0);
    expect(parseTime("09:30")).toBe(570);
    expect(parseTime("23:59")).toBe(1439);
    for (const bad of ["24:00", "9:30", "09:60", "09:30:00", "", "ab:cd"]) expect(parseTime(bad)).toBeNull();
  });
});

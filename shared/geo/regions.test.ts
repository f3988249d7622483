import { describe, expect, it } from "vitest";
import { clientRegion, REGION_HEADER } from "./client-region.ts";
import { distanceKm, nearestRegion, oneWayMs, REGION_SITES, REGIONS, rttMs, SAME_REGION_RTT_MS } from "./regions.ts";

describe("regions and their round trips", () => {
  it("has a positive, symmetric round trip for every pair of regions and 2 ms within one", () => {
    for (const a of REGIONS) {
      expect(rttMs(a, a)).toBe(SAME_REGION_RTT_MS);
      for (const b of REGIONS) {
        if (a === b) continue;
        expect(rttMs(a, b)).toBeGreaterThan(SAME_REGION_RTT_MS);
        expect(rttMs(a, b)).toBe(rttMs(b, a));
        expect(oneWayMs(a, b)).toBe(rttMs(a, b) / 2);
      }
    }
  });

  it("never beats light in fibre between the two sites (about 100 km per ms of round trip)", () => {
    for (const a of REGIONS)
      for (const b of REGIONS)
        if (a !== b) expect(rttMs(a, b)).toBeGreaterThanOrEqual(distanceKm(REGION_SITES[a], REGION_SITES[b]) / 100);
  });

  it("places a point in the region of the nearest site", () => {
    expect(nearestRegion({ latitude: 35.68, longitude: 139.69 })).toBe("apac"); // Tokyo
    expect(nearestRegion({ latitude: 1.35, longitude: 103.82 })).toBe("apac"); // Singapore
    expect(nearestRegion({ latitude: 51.5, longitude: -0.12 })).toBe("weur"); // London
    expect(nearestRegion({ latitude: 40.71, longitude: -74.0 })).toBe("enam"); // New York
    expect(nearestRegion({ latitude: 47.6, longitude: -122.33 })).toBe("wnam"); // Seattle
    expect(nearestRegion({ latitude: -37.81, longitude: 144.96 })).toBe("oc"); // Melbourne
    expect(nearestRegion({ latitude: -33.92, longitude: 18.42 })).toBe("afr"); // Cape Town
    expect(nearestRegion({ latitude: 24.71, longitude: 46.68 })).toBe("me"); // Riyadh
    expect(nearestRegion({ latitude: -34.6, longitude: -58.38 })).toBe("sam"); // Buenos Aires
    expect(nearestRegion({ latitude: 50.45, longitude: 30.52 })).toBe("eeur"); // Kyiv
  });
});

describe("the client's region", () => {
  const local = { allowOverride: true, fallback: "enam" as const };

  it("believes X-P3-Region only where the deployment allows it, and ignores a header naming no region", () => {
    expect(REGION_HEADER).toBe("x-p3-region");
    expect(clientRegion(undefined, "APAC", local)).toEqual({ region: "apac", source: "header" });
    expect(clientRegion({ latitude: "51.5", longitude: "-0.12" }, "apac", { ...local, allowOverride: false })).toEqual({
      region: "weur",
      source: "coordinates",
    });
    expect(clientRegion(undefined, "mars", local)).toEqual({ region: "enam", source: "default" });
  });

  it("uses request.cf's coordinates, else its continent (the Middle East by country), else the fallback", () => {
    expect(clientRegion({ latitude: "-33.87", longitude: "151.21", continent: "OC" }, null, local).region).toBe("oc");
    expect(clientRegion({ continent: "EU" }, null, local)).toEqual({ region: "weur", source: "continent" });
    expect(clientRegion({ continent: "AS", country: "AE" }, null, local)).toEqual({
      region: "me",
      source: "continent",
    });
    expect(clientRegion({ continent: "AS", country: "JP" }, null, local).region).toBe("apac");
    expect(clientRegion({ latitude: "not a number", longitude: "1", continent: "SA" }, null, local).region).toBe("sam");
    expect(clientRegion({}, undefined, { allowOverride: false, fallback: "weur" })).toEqual({
      region: "weur",
      source: "default",
    });
  });
});

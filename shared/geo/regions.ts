/**
 * The regions of the venue: Cloudflare's Durable Object location hints (`HOME_REGIONS`), each with
 * a representative city, and the round-trip times between them that the local simulation of
 * geography injects (miniflare cannot place objects in regions: docs/geography.md).
 *
 * The RTTs are rounded from published inter-region latency matrices of the large clouds between
 * the same cities (2024-25): good to about ±20 %, which is what a placement decision needs. They
 * are symmetric; within a region the round trip is 2 ms.
 */
import { HOME_REGIONS, type HomeRegion } from "../instruments/schema.ts";

export type Region = HomeRegion;
export const REGIONS: readonly Region[] = HOME_REGIONS;

export interface RegionSite {
  city: string;
  latitude: number;
  longitude: number;
}

/** Where each region's objects are assumed to run (Cloudflare picks a data centre in the hinted area). */
export const REGION_SITES: Readonly<Record<Region, RegionSite>> = {
  wnam: { city: "San Jose", latitude: 37.34, longitude: -121.89 },
  enam: { city: "Ashburn", latitude: 39.04, longitude: -77.49 },
  sam: { city: "São Paulo", latitude: -23.55, longitude: -46.63 },
  weur: { city: "Frankfurt", latitude: 50.11, longitude: 8.68 },
  eeur: { city: "Warsaw", latitude: 52.23, longitude: 21.01 },
  apac: { city: "Tokyo", latitude: 35.68, longitude: 139.69 },
  oc: { city: "Sydney", latitude: -33.87, longitude: 151.21 },
  afr: { city: "Johannesburg", latitude: -26.2, longitude: 28.05 },
  me: { city: "Dubai", latitude: 25.2, longitude: 55.27 },
};

export const SAME_REGION_RTT_MS = 2;

/** Round trips in ms, each pair once (the table is symmetric). */
const RTT_PAIRS: ReadonlyArray<readonly [Region, Region, number]> = [
  ["wnam", "enam", 65],
  ["wnam", "sam", 175],
  ["wnam", "weur", 145],
  ["wnam", "eeur", 160],
  ["wnam", "apac", 105],
  ["wnam", "oc", 140],
  ["wnam", "afr", 280],
  ["wnam", "me", 230],
  ["enam", "sam", 115],
  ["enam", "weur", 85],
  ["enam", "eeur", 100],
  ["enam", "apac", 150],
  ["enam", "oc", 200],
  ["enam", "afr", 225],
  ["enam", "me", 170],
  ["sam", "weur", 195],
  ["sam", "eeur", 215],
  ["sam", "apac", 255],
  ["sam", "oc", 310],
  ["sam", "afr", 340],
  ["sam", "me", 290],
  ["weur", "eeur", 25],
  ["weur", "apac", 225],
  ["weur", "oc", 280],
  ["weur", "afr", 160],
  ["weur", "me", 110],
  ["eeur", "apac", 240],
  ["eeur", "oc", 300],
  ["eeur", "afr", 180],
  ["eeur", "me", 95],
  ["apac", "oc", 105],
  ["apac", "afr", 320],
  ["apac", "me", 140],
  ["oc", "afr", 390],
  ["oc", "me", 220],
  ["afr", "me", 150],
];

const RTT = new Map<string, number>();
for (const [a, b, ms] of RTT_PAIRS) {
  RTT.set(`${a}:${b}`, ms);
  RTT.set(`${b}:${a}`, ms);
}

/** The round trip between two regions, ms. */
export function rttMs(from: Region, to: Region): number {
  if (from === to) return SAME_REGION_RTT_MS;
  const ms = RTT.get(`${from}:${to}`);
  if (ms === undefined) throw new Error(`no RTT between ${from} and ${to}`);
  return ms;
}

/** One-way delay of a message between two regions (half the round trip), ms. */
export function oneWayMs(from: Region, to: Region): number {
  return rttMs(from, to) / 2;
}

export function isRegion(value: unknown): value is Region {
  return typeof value === "string" && (REGIONS as readonly string[]).includes(value);
}

/** Great-circle distance in km (haversine). */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The region whose site is nearest to a point. */
export function nearestRegion(point: { latitude: number; longitude: number }): Region {
  let best: Region = "enam";
  let bestKm = Number.POSITIVE_INFINITY;
  for (const region of REGIONS) {
    const km = distanceKm(point, REGION_SITES[region]);
    if (km < bestKm) {
      best = region;
      bestKm = km;
    }
  }
  return best;
}

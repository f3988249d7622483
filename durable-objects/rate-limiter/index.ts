/**
 * RateLimiter: the Workers-native rate-limit backend, used when Upstash Redis
 * is not configured. One object per limited key (sharded by name).
 */
import { DurableObject } from "cloudflare:workers";

export class RateLimiter extends DurableObject {}

/**
 * Bindings of the edge Worker (see wrangler.toml). Durable Object namespaces,
 * queues and secrets are added here as the issues that need them land.
 */
export interface Env {
  /** "development" | "staging" | "production" */
  ENVIRONMENT: string;
  /** Release version reported by /v1/health. */
  API_VERSION: string;
}

/** Hono generics for every router of the API. */
export interface AppEnv {
  Bindings: Env;
}

type ApiEnv = Env;

declare global {
  namespace Cloudflare {
    // `env` from "cloudflare:workers" / "cloudflare:test" has our bindings.
    interface Env extends ApiEnv {}
    // Types `exports` from "cloudflare:workers" (loopback bindings to the main module's exports).
    interface GlobalProps {
      mainModule: typeof import("./index.ts");
    }
  }
}

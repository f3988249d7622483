/**
 * Values test/global-setup-postgres.ts provides to the run (`inject(…)` in
 * tests, `ctx.inject(…)` in vitest.config.ts). No imports, so both the Node and
 * the Workers TypeScript projects can include it.
 */
declare module "vitest" {
  interface ProvidedContext {
    /** `postgres://…` of the test Postgres (what the Worker gets as DATABASE_URL). */
    databaseUrl: string;
    /** `127.0.0.1:<port>/v2`: the Neon bridge in front of it (NEON_WS_PROXY). */
    neonWsProxy: string;
    /** "postgres" (system packages) or "pglite" (fallback). */
    postgresKind: string;
    /** e.g. "PostgreSQL 15.18 (Debian 15.18-0+deb12u1)". */
    postgresVersion: string;
  }
}

export {};

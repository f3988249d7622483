/**
 * The development credentials published in wrangler.toml's top level (so that
 * `npm run dev` works with no set-up): the operator token and the Ed25519
 * signing key. Anyone can read them, so they are accepted only from loopback
 * (shared/auth/client-address.ts), whatever `ENVIRONMENT` says: a Worker deployed
 * with them by mistake refuses them from the internet instead of handing out admin.
 */
import type { JWK } from "jose";

export const DEV_OPERATOR_TOKEN = "dev-operator-token";

/** The public part (`x`) of the published development signing key (kid dev-2026-01). */
const DEV_SIGNING_KEY_X = "FtRkgQJ_fPMvfTELlwsuL5dZRDQ1eJVjUAuuV9J0SHM";

/** A development signing key: kid `dev-*`, or the published key under any kid. */
export function isDevelopmentKey(jwk: Pick<JWK, "kid" | "x">): boolean {
  return (typeof jwk.kid === "string" && jwk.kid.startsWith("dev-")) || jwk.x === DEV_SIGNING_KEY_X;
}

/** Why a development credential was refused, for the problem's `detail`. */
export const LOOPBACK_ONLY =
  "is the published development credential and is accepted only from loopback (this machine): set a real one as a secret (docs/operations.md, Deploying)";

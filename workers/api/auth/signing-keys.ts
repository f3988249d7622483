/** The deployment's signing keys at the edge: a 503 `auth_not_configured` problem when they are not usable. */
import { deploymentSigningKeys, type SigningKeySet, SigningKeysError } from "../../../shared/auth/signing-keys.ts";
import { problemException } from "../problem.ts";

export type { SigningKeySet } from "../../../shared/auth/signing-keys.ts";

/** The signing keys of this deployment, or a 503 `auth_not_configured` problem naming the fix. */
export async function loadSigningKeys(
  env: { JWT_SIGNING_KEYS?: string; ENVIRONMENT?: string },
  from: { loopback: boolean },
): Promise<SigningKeySet> {
  try {
    return await deploymentSigningKeys(env, from);
  } catch (err) {
    throw problemException("auth_not_configured", err instanceof SigningKeysError ? err.message : String(err));
  }
}

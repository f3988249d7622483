/**
 * The operator's REST client: a bearer token (the OPERATOR_TOKEN or an admin key's access token)
 * on every call. Retries are kept short so a 503 with a long Retry-After (the DLQ without
 * Postgres) is shown at once rather than waited out behind a spinner.
 */
import { createRestClient, type RestClient } from "@platform3/client";

export const DEV_OPERATOR_TOKEN = "dev-operator-token";

/** `onUnauthorized`: called on any 401 (a revoked or expired token), before the refusal is thrown. */
export function operatorClient(token: string, onUnauthorized?: () => void): RestClient {
  const rest = createRestClient({
    baseUrl: location.origin,
    auth: { type: "bearer", token },
    retry: { maxAttempts: 2, maxRetryAfterMs: 2_000, timeoutMs: 15_000 },
  });
  // openapi-fetch runs onResponse last-added first: this sees the 401 before the SDK throws it.
  if (onUnauthorized) {
    rest.api.use({
      onResponse({ response }) {
        if (response.status === 401) onUnauthorized();
        return undefined;
      },
    });
  }
  return rest;
}

/** A cheap admin call: resolves when the token carries the admin scope, throws the refusal otherwise. */
export async function verifyOperator(rest: RestClient): Promise<void> {
  await rest.api.GET("/v1/admin/fees");
}

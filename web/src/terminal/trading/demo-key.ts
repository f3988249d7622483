/**
 * Demo sign-in on this machine: mints a read+trade API key for a seeded demo account (alice, bob)
 * with the published development operator token, which the server accepts from loopback only.
 */
import { createRestClient } from "@platform3/client";

export const DEV_OPERATOR_TOKEN = "dev-operator-token";
const KEY_LIFETIME_MS = 12 * 60 * 60 * 1000;

export interface DemoKey {
  keyId: string;
  secret: string;
}

export async function mintDemoKey(account: string): Promise<DemoKey> {
  const operator = createRestClient({
    baseUrl: location.origin,
    auth: { type: "bearer", token: DEV_OPERATOR_TOKEN },
  });
  const { data } = await operator.api.POST("/v1/admin/accounts/{account}/api-keys", {
    params: { path: { account } },
    body: { name: "terminal demo", scopes: ["read", "trade"], expires_at: Date.now() + KEY_LIFETIME_MS },
  });
  if (!data?.secret) throw new Error(`the API issued no secret for ${account}`);
  return { keyId: data.id, secret: data.secret };
}

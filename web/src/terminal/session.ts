/**
 * A signed-in session: a REST client on an API-key token session (the SDK refreshes it) and a
 * feed client authenticated with the same tokens, on this page's origin.
 */
import { createRestClient, FeedClient, type RestClient, type TokenSession } from "@platform3/client";
import type { ApiKeyCredentials } from "../common/credentials.ts";

export interface Session {
  rest: RestClient;
  feed: FeedClient;
  account: string;
}

export function feedUrl(): string {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/v1/ws`;
}

/** Exchanges the key for tokens (a bad key throws the API's refusal) and opens the feed. */
export async function openSession(credentials: ApiKeyCredentials): Promise<Session> {
  const rest = createRestClient({
    baseUrl: location.origin,
    auth: { type: "api_key", apiKey: credentials.keyId, apiSecret: credentials.secret },
  });
  const me = await rest.me();
  const session = rest.auth as TokenSession;
  const feed = new FeedClient({ url: feedUrl(), token: () => session.accessToken() });
  return { rest, feed, account: me.account_id };
}

export function closeSession(session: Session): void {
  session.feed.close();
  void (session.rest.auth as TokenSession).logout?.().catch(() => {});
}

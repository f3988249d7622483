/**
 * Credentials typed into a page live in sessionStorage only: they go with the tab, never to
 * localStorage or a cookie, and a reload of the same tab keeps the session.
 */
export interface ApiKeyCredentials {
  keyId: string;
  secret: string;
}

const API_KEY = "p3.apiKey";
const OPERATOR = "p3.operatorToken";

export function savedApiKey(): ApiKeyCredentials | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(API_KEY) ?? "null") as ApiKeyCredentials | null;
    return value && typeof value.keyId === "string" && typeof value.secret === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

export function saveApiKey(value: ApiKeyCredentials | undefined): void {
  if (value) sessionStorage.setItem(API_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(API_KEY);
}

export function savedOperatorToken(): string | undefined {
  return sessionStorage.getItem(OPERATOR) ?? undefined;
}

export function saveOperatorToken(token: string | undefined): void {
  if (token) sessionStorage.setItem(OPERATOR, token);
  else sessionStorage.removeItem(OPERATOR);
}

/** The page is served from this machine: the development credentials work (accepted from loopback only). */
export function onLoopback(): boolean {
  return ["127.0.0.1", "localhost", "[::1]"].includes(location.hostname);
}

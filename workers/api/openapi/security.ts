/**
 * The security schemes of the document: our access tokens (bearer JWT), signed
 * requests with an API key (four `X-P3-*` headers, all required together), and
 * access tokens of an external OpenID Connect issuer. Operations name them
 * through `securityFor(scope)` (see `define.ts`).
 */
import { SECURITY } from "./define.ts";

/** The signed-request headers, each a scheme of its own so that one requirement can demand all four. */
export const SIGNATURE_HEADERS = {
  [SECURITY.signature]: { name: "X-P3-Key", description: "The API key id." },
  [SECURITY.signatureTimestamp]: {
    name: "X-P3-Timestamp",
    description: "Epoch milliseconds; within the signature window.",
  },
  [SECURITY.signatureNonce]: { name: "X-P3-Nonce", description: "16–64 of A–Z a–z 0–9 _ -, never reused by the key." },
  [SECURITY.signatureValue]: {
    name: "X-P3-Signature",
    description: "HMAC-SHA256 or Ed25519 signature of the signing string (hex or base64url).",
  },
} as const;

/** Placeholder discovery document when `OIDC_ISSUER` is not configured. */
export const OIDC_PLACEHOLDER = "https://oidc.example.com";

export type SecuritySchemeObject =
  | { type: "http"; scheme: "bearer"; bearerFormat: string; description: string }
  | { type: "apiKey"; in: "header"; name: string; description: string }
  | { type: "openIdConnect"; openIdConnectUrl: string; description: string };

/** `components.securitySchemes`; `oidcIssuer` is the configured `OIDC_ISSUER`, if any. */
export function securitySchemes(oidcIssuer?: string): Record<string, SecuritySchemeObject> {
  const issuer = (oidcIssuer || OIDC_PLACEHOLDER).replace(/\/+$/, "");
  const schemes: Record<string, SecuritySchemeObject> = {
    [SECURITY.bearer]: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "`Authorization: Bearer <access token>` issued by /v1/auth (EdDSA JWT carrying scopes).",
    },
    [SECURITY.oidc]: {
      type: "openIdConnect",
      openIdConnectUrl: `${issuer}/.well-known/openid-configuration`,
      description: "`Authorization: Bearer <access token>` of the configured OpenID Connect issuer.",
    },
  };
  for (const [id, header] of Object.entries(SIGNATURE_HEADERS)) {
    schemes[id] = {
      type: "apiKey",
      in: "header",
      name: header.name,
      description: `Signed request: ${header.description}`,
    };
  }
  return schemes;
}

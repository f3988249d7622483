/**
 * What the Worker may use of the feed shards besides the object itself (index.ts):
 * the session of an edge-opened socket and the header that carries it, and the
 * verification of a bearer token as a socket's `auth` does it.
 */
export { EDGE_SESSION_HEADER, type Session } from "./identity.ts";
export { verifySessionToken } from "./session.ts";

/**
 * The one client of the API for tests and benchmarks: REST (http.ts), the feed
 * socket (socket.ts) and the types of what they answer (api.ts, frames.ts). It runs
 * wherever `fetch` and a WebSocket do: Node (node.ts opens sockets there) and
 * workerd (`upgrade`). To be replaced by the published SDK.
 */
export type * from "./api.ts";
export * from "./frames.ts";
export * from "./http.ts";
export * from "./socket.ts";

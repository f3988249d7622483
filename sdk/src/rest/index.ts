export * from "./client.ts";
export {
  createTransport,
  isKeyedMutation,
  newIdempotencyKey,
  type RetryOptions,
  STORED_OUTCOME_HEADER,
  type TransportOptions,
} from "./transport.ts";

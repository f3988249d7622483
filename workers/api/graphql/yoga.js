/**
 * graphql-yoga, behind a typed surface of our own (yoga.d.ts). Plain
 * JavaScript on purpose: yoga's type declarations reference the DOM library
 * (through @whatwg-node/fetch), which would replace the Workers types of the
 * whole TypeScript project (`CacheStorage.default`, `BufferSource` …).
 */
import { createSchema, createYoga } from "graphql-yoga";

/** The executable schema of `typeDefs` and `resolvers`. */
export function buildSchema(typeDefs, resolvers) {
  return createSchema({ typeDefs, resolvers });
}

/** A yoga server: GraphQL over HTTP at `endpoint`, no CORS, batching or logging of its own. */
export function createServer({ schema, endpoint, graphiql, plugins }) {
  return createYoga({
    schema,
    graphqlEndpoint: endpoint,
    graphiql,
    landingPage: false,
    // The app's CORS allowlist answers for every route.
    cors: false,
    batching: false,
    logging: false,
    plugins,
  });
}

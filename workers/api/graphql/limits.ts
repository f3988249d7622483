/**
 * Bounds on what one GraphQL request may ask, so a hostile document is
 * refused quickly (a 400 `invalid_request`, or 413 `payload_too_large` for
 * variables) before anything runs:
 * - tokens (graphql-armor `maxTokens`): checked while parsing, so 10,000
 *   aliases never become a syntax tree;
 * - depth (introspection included, so a deep `ofType { ofType … }` chain is
 *   bounded too), aliases, directives and cost (graphql-armor; introspection
 *   is not costed, the standard introspection query alone would cost ~90,000);
 * - root fields of a mutation (`MAX_MUTATION_FIELDS`): each is a call into the
 *   account, which also applies its own order budgets;
 * - the variables' JSON size (`MAX_VARIABLES_BYTES`), below the edge's body limit.
 * Field suggestions stay on: the schema is public (introspection is allowed).
 */
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { GraphQLError, Kind, type ValidationRule } from "graphql";
import { ERROR_CODES } from "../../../shared/errors/codes.ts";
import type { ServerPlugin } from "./yoga.js";

export const LIMITS = {
  /** Tokens of the document (the standard introspection query has about 250). */
  maxTokens: 2_000,
  /** Nesting of selections, introspection included (the standard introspection query needs 13). */
  maxDepth: 15,
  /** Aliased fields per document. */
  maxAliases: 30,
  /** Directives per document. */
  maxDirectives: 30,
  /** graphql-armor's cost: objects 2, scalars 1, times 1.5 per level (introspection not counted). */
  maxCost: 5_000,
  /** Root fields of one mutation. */
  maxMutationFields: 20,
  /** JSON of the variables, bytes. */
  maxVariablesBytes: 64 * 1024,
} as const;

/** graphql-armor's protections, with our limits. */
export function armor(): unknown {
  return EnvelopArmorPlugin({
    maxTokens: { n: LIMITS.maxTokens },
    maxDepth: { n: LIMITS.maxDepth, ignoreIntrospection: false, flattenFragments: true },
    maxAliases: { n: LIMITS.maxAliases },
    maxDirectives: { n: LIMITS.maxDirectives },
    costLimit: { maxCost: LIMITS.maxCost },
    blockFieldSuggestion: { enabled: false },
  });
}

/** A validation rule: at most `LIMITS.maxMutationFields` root fields in a mutation (fragments included). */
export const maxMutationFields: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== "mutation") return;
    let count = 0;
    for (const selection of node.selectionSet.selections) {
      if (selection.kind === Kind.FIELD) count++;
      else if (selection.kind === Kind.INLINE_FRAGMENT) count += selection.selectionSet.selections.length;
      else count += context.getFragment(selection.name.value)?.selectionSet.selections.length ?? 0;
    }
    if (count > LIMITS.maxMutationFields) {
      context.reportError(
        new GraphQLError(
          `A mutation may have at most ${LIMITS.maxMutationFields} root fields (this one has ${count}); use placeOrders for batches.`,
          { nodes: [node], extensions: { reason: "max_mutation_fields" } },
        ),
      );
    }
  },
});

/** Registers {@link maxMutationFields} with the validation of every request. */
export function mutationFieldLimit(): ServerPlugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxMutationFields);
    },
  };
}

/** Refuses variables whose JSON is larger than `LIMITS.maxVariablesBytes` (413), before parsing the document. */
export function variablesLimit(): ServerPlugin {
  return {
    onParams({ params }) {
      if (params.variables == null) return;
      const size = new TextEncoder().encode(JSON.stringify(params.variables)).byteLength;
      if (size > LIMITS.maxVariablesBytes) {
        throw new GraphQLError(
          `The variables are ${size} bytes of JSON; at most ${LIMITS.maxVariablesBytes} are accepted.`,
          {
            extensions: {
              code: "payload_too_large",
              status: ERROR_CODES.payload_too_large.status,
              reason: "max_variables_bytes",
              http: { status: 413 },
            },
          },
        );
      }
    },
  };
}

/** Order-entry outcomes on the wire: moved to the operations layer (`operations/order-outcomes.ts`). */
export * from "../operations/order-outcomes.ts";

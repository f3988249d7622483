/**
 * Compile-time checks that the user channel's schemas (messages.ts) match the
 * Account's own types (`durable-objects/account/contract.ts`). Kept apart from
 * messages.ts because those types belong to the Workers build only
 * (tsconfig.json), while the document also builds in Node (scripts/asyncapi-doc.ts).
 */
import type { z } from "zod";
import type {
  BalanceView,
  FillView,
  OrderView,
  UserMessage,
  UserSnapshot,
} from "../../../durable-objects/account/contract.ts";
import type { Same, UserBalanceSchema, UserFillSchema, UserOrderSchema, UserSnapshotSchema } from "./messages.ts";

type Out<S extends z.ZodType> = z.output<S>;

export const USER_CHANNEL_MATCHES: {
  snapshot: Same<Out<typeof UserSnapshotSchema>, UserSnapshot>;
  messages: Same<Out<typeof UserOrderSchema> | Out<typeof UserFillSchema> | Out<typeof UserBalanceSchema>, UserMessage>;
  order: Same<Out<typeof UserOrderSchema>["order"], OrderView>;
  fill: Same<Out<typeof UserFillSchema>["fill"], FillView>;
  balance: Same<Out<typeof UserBalanceSchema>["balances"][number], BalanceView>;
} = { snapshot: true, messages: true, order: true, fill: true, balance: true };

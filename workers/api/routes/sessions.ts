/** `GET /v1/sessions`: an adapter of `sessions.list` (`operations/sessions.ts`). */

import { getSessions } from "../openapi/contracts/sessions.ts";
import { createRouter } from "../openapi/router.ts";
import { contextOf } from "../operations/context.ts";
import { getSessions as sessionsOperation } from "../operations/sessions.ts";

export const sessions = createRouter();

sessions.openapi(getSessions, async (c) => c.json(await sessionsOperation.run(contextOf(c), {}), 200));

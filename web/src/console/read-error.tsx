/** A read that the API refused, shown inline with its code and reason. */
import { errorLine } from "../common/problem.ts";

export function ReadError({ error }: { error: unknown }) {
  if (error === undefined) return null;
  return (
    <p role="alert" class="read-error">
      {errorLine(error)}
    </p>
  );
}

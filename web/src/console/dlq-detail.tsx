/** One dead letter in full (GET /v1/admin/dead-letters/{id}): why it failed and what was received. */
import type { RestClient } from "@platform3/client";
import { timeText } from "./format.ts";
import { JsonView } from "./json.tsx";
import { useLoad } from "./loader.ts";
import { ReadError } from "./read-error.tsx";

export function DeadLetterDetail({ rest, id, onClose }: { rest: RestClient; id: number; onClose: () => void }) {
  const entry = useLoad(
    async () => (await rest.api.GET("/v1/admin/dead-letters/{id}", { params: { path: { id } } })).data,
    String(id),
  );
  const d = entry.data;
  return (
    <section class="panel" aria-labelledby="dlq-detail-title" data-testid="dlq-detail">
      <div class="panel-head">
        <h2 id="dlq-detail-title">Dead letter {id}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <ReadError error={entry.error} />
      {d && (
        <>
          <dl class="facts">
            <dt>Queue</dt>
            <dd>{d.queue}</dd>
            <dt>Received</dt>
            <dd>{timeText(d.received_at)}</dd>
            <dt>Reason</dt>
            <dd>{d.reason}</dd>
            <dt>Detail</dt>
            <dd class="wrap-text">{d.detail}</dd>
            <dt>Schema</dt>
            <dd>{d.schema ? `${d.schema} v${d.version ?? "?"}` : "—"}</dd>
            <dt>Attempts</dt>
            <dd>{d.attempts}</dd>
            <dt>Replayed</dt>
            <dd>{d.replayed_at ? `${timeText(d.replayed_at)}, ${d.replay_count} time(s)` : "no"}</dd>
          </dl>
          <h3>Received body</h3>
          <JsonView value={d.body} label={`What dead letter ${id} received`} />
        </>
      )}
    </section>
  );
}

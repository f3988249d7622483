/**
 * Dead letters: events the consumer did not write, newest first (GET /v1/admin/dead-letters),
 * one entry's detail with what was received, and replays (POST /v1/admin/dead-letters/replay:
 * `{ids}` for one or the selected, `{all: true}` for a page of those not replayed yet).
 */
import type { components, RestClient } from "@platform3/client";
import { useState } from "preact/hooks";
import { usePerform } from "./actions.tsx";
import { DeadLetterDetail } from "./dlq-detail.tsx";
import { timeText } from "./format.ts";
import { useLoad } from "./loader.ts";
import { ReadError } from "./read-error.tsx";
import { ScrollBox } from "./scroll-box.tsx";

type DeadLetter = components["schemas"]["DeadLetter"];
type Reason = DeadLetter["reason"];
const REASONS: Reason[] = [
  "not_an_envelope",
  "unknown_type",
  "schema_mismatch",
  "unknown_version",
  "invalid_body",
  "max_retries",
];

export function DeadLettersTab({ rest }: { rest: RestClient }) {
  const perform = usePerform();
  const [reason, setReason] = useState<Reason | "">("");
  const [replayed, setReplayed] = useState<"" | "true" | "false">("false");
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [detail, setDetail] = useState<number | undefined>(undefined);
  const key = `${reason}|${replayed}|${cursor ?? ""}`;
  const page = useLoad(async () => {
    const query = {
      limit: 50,
      ...(reason ? { reason } : {}),
      ...(replayed ? { replayed } : {}),
      ...(cursor ? { cursor } : {}),
    };
    return (await rest.api.GET("/v1/admin/dead-letters", { params: { query } })).data;
  }, key);
  const letters = page.data?.dead_letters ?? [];

  const replay = async (body: components["schemas"]["ReplayDeadLettersRequest"], what: string) => {
    const done = await perform(
      {
        title: `Replay ${what}`,
        lines: [
          `Each dead letter is checked against the current schema registry; one it accepts is sent back to the event queue and marked replayed, one it refuses stays as it is.`,
          "Idempotent: a replayed dead letter is not sent again, and the consumer writes every event once by (stream, key, seq).",
        ],
        request: `POST /v1/admin/dead-letters/replay\n${JSON.stringify(body)}`,
        confirmLabel: "Replay",
      },
      () => rest.api.POST("/v1/admin/dead-letters/replay", { body }),
    );
    if (done) {
      setSelected(new Set());
      await page.reload();
    }
  };

  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const ids = [...selected].sort((a, b) => a - b);

  return (
    <div class="dlq-grid">
      <section class="panel" aria-labelledby="dlq-title">
        <div class="panel-head">
          <h2 id="dlq-title">Dead letters</h2>
          <button type="button" onClick={() => page.reload()} disabled={page.loading}>
            Refresh
          </button>
        </div>
        <div class="row wrap">
          <label for="dlq-reason">
            Reason
            <select
              id="dlq-reason"
              value={reason}
              onChange={(e) => {
                setCursor(undefined);
                setReason(e.currentTarget.value as Reason | "");
              }}
            >
              <option value="">any</option>
              {REASONS.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <label for="dlq-replayed">
            Replayed
            <select
              id="dlq-replayed"
              value={replayed}
              onChange={(e) => {
                setCursor(undefined);
                setReplayed(e.currentTarget.value as "" | "true" | "false");
              }}
            >
              <option value="false">not yet</option>
              <option value="true">replayed</option>
              <option value="">either</option>
            </select>
          </label>
          <button
            type="button"
            class="align-end"
            data-testid="dlq-replay-selected"
            disabled={ids.length === 0}
            onClick={() =>
              replay({ ids }, `${ids.length} selected dead letter${ids.length === 1 ? "" : "s"} (${ids.join(", ")})`)
            }
          >
            Replay selected ({ids.length})
          </button>
          <button
            type="button"
            class="align-end"
            data-testid="dlq-replay-all"
            onClick={() =>
              replay(
                { all: true, ...(reason ? { reason } : {}) },
                `every dead letter not replayed yet${reason ? ` with reason ${reason}` : ""} (a page of up to 500)`,
              )
            }
          >
            Replay all not replayed
          </button>
        </div>
        <ReadError error={page.error} />
        {page.data && letters.length === 0 && <p class="muted">No dead letters match.</p>}
        {letters.length > 0 && (
          <ScrollBox label="Dead letters table">
            <table data-testid="dlq-table">
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">Select</span>
                  </th>
                  <th scope="col" class="num">
                    Id
                  </th>
                  <th scope="col">Received</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Type</th>
                  <th scope="col">Stream / key / seq</th>
                  <th scope="col">Replayed</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {letters.map((d) => (
                  <tr key={d.id} data-testid="dlq-row" data-id={d.id} aria-selected={detail === d.id}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select dead letter ${d.id}`}
                        checked={selected.has(d.id)}
                        onChange={() => toggle(d.id)}
                      />
                    </td>
                    <td class="num">{d.id}</td>
                    <td>{timeText(d.received_at)}</td>
                    <td>{d.reason}</td>
                    <td>{d.schema ?? d.type ?? "—"}</td>
                    <td>{[d.stream, d.key, d.seq].map((x) => x ?? "—").join(" / ")}</td>
                    <td>{d.replayed_at ? `${timeText(d.replayed_at)} (×${d.replay_count})` : "no"}</td>
                    <td class="row nowrap">
                      <button type="button" data-testid="dlq-view" onClick={() => setDetail(d.id)}>
                        View
                      </button>
                      <button
                        type="button"
                        data-testid="dlq-replay"
                        onClick={() => replay({ ids: [d.id] }, `dead letter ${d.id}`)}
                      >
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
        )}
        <div class="row">
          {cursor && (
            <button type="button" onClick={() => setCursor(undefined)}>
              Newest
            </button>
          )}
          {page.data?.next_cursor && (
            <button type="button" onClick={() => setCursor(page.data?.next_cursor ?? undefined)}>
              Older
            </button>
          )}
        </div>
      </section>
      {detail !== undefined && <DeadLetterDetail rest={rest} id={detail} onClose={() => setDetail(undefined)} />}
    </div>
  );
}

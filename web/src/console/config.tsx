/**
 * Configuration: each section's live document and version (GET /v1/admin/config/{section}), an
 * editor that writes a new version with `If-Match: "<the version it was read at>"` (412 when
 * another version went live meanwhile), and the history with rollback (…/versions, …/rollback).
 */
import type { RestClient } from "@platform3/client";
import { useEffect, useState } from "preact/hooks";
import { usePerform } from "./actions.tsx";
import { ConfigHistory } from "./config-history.tsx";
import { type ConfigSection, SECTIONS } from "./config-sections.ts";
import { timeText } from "./format.ts";
import { useLoad } from "./loader.ts";
import { ReadError } from "./read-error.tsx";

export function ConfigTab({ rest }: { rest: RestClient }) {
  const perform = usePerform();
  const [section, setSection] = useState<ConfigSection>("fees");
  const [text, setText] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<{ text?: string; reason?: string }>({});
  const [historyKey, setHistoryKey] = useState(0);
  const live = useLoad(
    async () => (await rest.api.GET("/v1/admin/config/{section}", { params: { path: { section } } })).data,
    section,
  );
  const v = live.data;
  useEffect(() => {
    if (v) setText(JSON.stringify(v.document, null, 2));
  }, [v]);

  const reload = async () => {
    await live.reload();
    setHistoryKey((k) => k + 1);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!v) return;
    const found: typeof errors = {};
    let document: unknown;
    try {
      document = JSON.parse(text);
      if (typeof document !== "object" || document === null || Array.isArray(document))
        found.text = "The document is a JSON object.";
    } catch (err) {
      found.text = `Not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (!reason.trim()) found.reason = "Say why: the reason goes into the audit log.";
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body = { document: document as Record<string, unknown>, reason: reason.trim() };
    const done = await perform(
      {
        title: `Write ${section} version ${v.version + 1}`,
        lines: [
          `The whole ${section} document is replaced (no merge with version ${v.version}); every reader follows within 2 s.`,
          `Sent with If-Match "${v.version}": refused (412) if another version went live since it was read.`,
        ],
        request: `PUT /v1/admin/config/${section}\nIf-Match: "${v.version}"\n${JSON.stringify(body, null, 2)}`,
        confirmLabel: "Write",
        danger: true,
      },
      () =>
        rest.api.PUT("/v1/admin/config/{section}", {
          params: { path: { section }, header: { "if-match": `"${v.version}"` } },
          body,
        }),
    );
    if (done) {
      setReason("");
      await reload();
    }
  };

  const dirty = v !== undefined && text !== JSON.stringify(v.document, null, 2);
  return (
    <div class="config-grid">
      <section class="panel" aria-labelledby="config-title">
        <div class="panel-head">
          <h2 id="config-title">Configuration</h2>
          <button type="button" onClick={reload} disabled={live.loading}>
            Reload
          </button>
        </div>
        <div class="row wrap">
          <label for="config-section">
            Section
            <select
              id="config-section"
              data-testid="config-section"
              value={section}
              onChange={(e) => setSection(e.currentTarget.value as ConfigSection)}
            >
              {SECTIONS.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          {v && (
            <p class="config-version" data-testid="config-version" data-version={v.version}>
              Version <strong>{v.version}</strong> by {v.author}, {timeText(v.at)}
              <br />
              <span class="muted">{v.reason}</span>
            </p>
          )}
        </div>
        <ReadError error={live.error} />
        <form onSubmit={save} noValidate class="stack">
          <label for="config-editor">
            Document (JSON){dirty ? " — edited" : ""}
            <textarea
              id="config-editor"
              data-testid="config-editor"
              rows={16}
              spellcheck={false}
              value={text}
              disabled={!v}
              onInput={(e) => setText(e.currentTarget.value)}
              aria-invalid={errors.text ? true : undefined}
              aria-describedby={errors.text ? "config-editor-error" : undefined}
            />
            {errors.text && (
              <span id="config-editor-error" class="field-error">
                {errors.text}
              </span>
            )}
          </label>
          <label for="config-reason">
            Reason (recorded in the audit log)
            <input
              id="config-reason"
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
              aria-invalid={errors.reason ? true : undefined}
              aria-describedby={errors.reason ? "config-reason-error" : undefined}
              required
            />
            {errors.reason && (
              <span id="config-reason-error" class="field-error">
                {errors.reason}
              </span>
            )}
          </label>
          <div class="row">
            <button type="submit" class="primary" data-testid="config-save" disabled={!v}>
              Write new version…
            </button>
            <button type="button" disabled={!dirty} onClick={() => v && setText(JSON.stringify(v.document, null, 2))}>
              Discard edits
            </button>
          </div>
        </form>
      </section>
      {v && (
        <ConfigHistory
          key={`${section}-${historyKey}`}
          rest={rest}
          section={section}
          live={v.version}
          reason={reason}
          onRolledBack={reload}
          onShow={(doc) => setText(JSON.stringify(doc, null, 2))}
        />
      )}
    </div>
  );
}

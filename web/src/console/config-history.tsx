/** A section's audit log (…/versions, newest first) with a rollback to any earlier version. */
import type { RestClient } from "@platform3/client";
import { usePerform } from "./actions.tsx";
import type { ConfigSection } from "./config-sections.ts";
import { timeText } from "./format.ts";
import { useLoad } from "./loader.ts";
import { ReadError } from "./read-error.tsx";
import { ScrollBox } from "./scroll-box.tsx";

export function ConfigHistory({
  rest,
  section,
  live,
  reason,
  onRolledBack,
  onShow,
}: {
  rest: RestClient;
  section: ConfigSection;
  live: number;
  reason: string;
  onRolledBack: () => Promise<void>;
  onShow: (document: Record<string, unknown>) => void;
}) {
  const perform = usePerform();
  const history = useLoad(
    async () => (await rest.api.GET("/v1/admin/config/{section}/versions", { params: { path: { section } } })).data,
    section,
  );

  const rollback = async (version: number) => {
    const why = reason.trim() || `rollback to version ${version}`;
    const body = { version, reason: why };
    const done = await perform(
      {
        title: `Roll ${section} back to version ${version}`,
        lines: [
          `A new version ${live + 1} is written whose document is version ${version}'s; the log keeps both.`,
          `Sent with If-Match "${live}": refused (412) if another version went live meanwhile. Reason: ${why}`,
        ],
        request: `POST /v1/admin/config/${section}/rollback\nIf-Match: "${live}"\n${JSON.stringify(body)}`,
        confirmLabel: "Roll back",
        danger: true,
      },
      () =>
        rest.api.POST("/v1/admin/config/{section}/rollback", {
          params: { path: { section }, header: { "if-match": `"${live}"` } },
          body,
        }),
    );
    if (done) await onRolledBack();
  };

  const versions = history.data?.versions ?? [];
  return (
    <section class="panel" aria-labelledby="config-history-title" data-testid="config-history">
      <h2 id="config-history-title">History of {section}</h2>
      <ReadError error={history.error} />
      {history.data && versions.length === 0 && (
        <p class="muted">Never written: version 0, the env defaults, is in force.</p>
      )}
      {versions.length > 0 && (
        <ScrollBox label="Configuration history">
          <table>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Version
                </th>
                <th scope="col">At</th>
                <th scope="col">Author</th>
                <th scope="col">Reason</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version} data-version={v.version}>
                  <td class="num">{v.version}</td>
                  <td>{timeText(v.at)}</td>
                  <td>{v.author}</td>
                  <td class="wrap-text">{v.reason}</td>
                  <td class="row nowrap">
                    <button
                      type="button"
                      onClick={() => onShow(v.document)}
                      aria-label={`Load version ${v.version} into the editor`}
                    >
                      Load
                    </button>
                    {v.version === live ? (
                      <span class="badge good">live</span>
                    ) : (
                      <button
                        type="button"
                        class="danger"
                        data-testid="config-rollback"
                        onClick={() => rollback(v.version)}
                      >
                        Roll back…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
    </section>
  );
}

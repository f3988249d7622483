/**
 * The summary tables of docs/asyncapi.md, rendered from the document itself
 * (`scripts/asyncapi-doc.ts` writes them between the markers, `--check` and
 * `test/node/asyncapi.test.ts` compare).
 */
import { asyncApiDocument, type Json } from "./document.ts";

export const BEGIN_MARKER = "<!-- asyncapi-tables:begin (npm run asyncapi:doc writes this part) -->";
export const END_MARKER = "<!-- asyncapi-tables:end -->";

/** The document the tables describe: no origin or release appears in them. */
export function tablesDocument(): Json {
  return asyncApiDocument({ version: "0.0.0", environment: "docs", serverUrl: "https://api.example.com" });
}

const cell = (s: unknown) =>
  String(s ?? "")
    .replace(/\|/g, "\\|")
    .replace(/\n/g, " ");
const code = (s: string) => `\`${s}\``;
const lastSegment = (ref: string) => ref.split("/").pop() as string;
const refs = (list: unknown): string[] => ((list as Array<{ $ref: string }>) ?? []).map((r) => lastSegment(r.$ref));

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** The Markdown between the markers. */
export function renderTables(doc: Json = tablesDocument()): string {
  const channels = doc.channels as Record<string, Json>;
  const operations = doc.operations as Record<string, Json>;
  const components = doc.components as { messages: Record<string, Json>; schemas: Record<string, Json> };

  const channelRows = Object.entries(channels).map(([id, ch]) => {
    const ws = (ch.bindings as { ws?: { query?: Json; headers?: Json } } | undefined)?.ws;
    const query = Object.keys((ws?.query?.properties as Json) ?? {});
    const headers = Object.keys((ws?.headers?.properties as Json) ?? {});
    return [
      code(id),
      code(String(ch.address)),
      String(Object.keys(ch.messages as Json).length),
      `query: ${query.map(code).join(", ") || "—"}; headers: ${headers.map(code).join(", ") || "—"}`,
    ];
  });

  const sendRows: string[][] = [];
  const receiveRows: string[][] = [];
  for (const [id, op] of Object.entries(operations)) {
    const messages = refs(op.messages).map(code).join(", ");
    if (op.action === "send") {
      const reply = refs((op.reply as Json | undefined)?.messages)
        .map(code)
        .join(", ");
      const method = op["x-method"] === undefined ? "text frame" : code(String(op["x-method"]));
      sendRows.push([code(id), method, String(op["x-scope"] ?? "—"), messages, reply || "—", String(op.summary)]);
    } else {
      receiveRows.push([code(id), messages, String(op.summary)]);
    }
  }

  const messageRows = Object.entries(components.messages).map(([key, m]) => {
    const payload = m.payload as Json;
    const schema = typeof payload.$ref === "string" ? code(lastSegment(payload.$ref)) : code(JSON.stringify(payload));
    return [code(key), String(m.title), String(m.contentType), schema, String(m.summary)];
  });

  const closeRows = ((channels.feed?.["x-close-codes"] as Array<Json>) ?? []).map((c) => [
    String(c.code),
    code(String(c.name)),
    String(c.description),
  ]);
  const errorRows = ((components.messages.errorReply?.["x-error-codes"] as Array<Json>) ?? []).map((c) => [
    code(String(c.code)),
    String(c.title),
  ]);

  return [
    "### Channels",
    "",
    table(["channel", "address", "messages", "ws bindings"], channelRows),
    "",
    "### Operations the client sends",
    "",
    table(["operation", "method", "needs", "request", "reply", "summary"], sendRows),
    "",
    "### Operations the client receives",
    "",
    table(["operation", "messages", "summary"], receiveRows),
    "",
    "### Messages",
    "",
    table(["message", "title", "content type", "payload schema", "summary"], messageRows),
    "",
    "### Close codes (`x-close-codes`)",
    "",
    table(["code", "name", "when"], closeRows),
    "",
    "### Error codes of `errorReply` (`x-error-codes`)",
    "",
    table(["code", "title"], errorRows),
  ].join("\n");
}

/** `markdown` with the part between the markers replaced by `tables`; throws without the markers. */
export function withTables(markdown: string, tables: string = renderTables()): string {
  const begin = markdown.indexOf(BEGIN_MARKER);
  const end = markdown.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`docs/asyncapi.md needs the markers ${BEGIN_MARKER} … ${END_MARKER}`);
  return `${markdown.slice(0, begin + BEGIN_MARKER.length)}\n\n${tables}\n\n${markdown.slice(end)}`;
}

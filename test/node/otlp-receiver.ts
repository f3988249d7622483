/**
 * A tiny OTLP/HTTP receiver on a loopback port for the trace tests: `POST /v1/traces`
 * with a JSON body is kept (body and headers) and answered 200 `{}`; other paths 404.
 * `mode` makes it misbehave: `fail` answers 503, `hang` never answers (the exporter's
 * deadline must end the request). `close()` makes the port unreachable.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from "../../shared/trace/otlp.ts";

export interface ReceivedExport {
  headers: IncomingHttpHeaders;
  body: OtlpTraceRequest;
}

/** A received span with its resource's attributes beside it. */
export interface ReceivedSpan extends OtlpSpan {
  resource: Record<string, string>;
  scope: { name: string; version: string };
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: the `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  exports: ReceivedExport[];
  mode: "ok" | "fail" | "hang";
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /** Waits until `pick` finds what it wants among the spans (polling), or throws after `timeoutMs`. */
  waitFor<T>(pick: (spans: ReceivedSpan[]) => T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver: OtlpReceiver = {
    url: "",
    exports,
    mode: "ok",
    spans: () => exports.flatMap(({ body }) => flatten(body)),
    async waitFor(pick, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = pick(receiver.spans());
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(`no such spans within ${timeoutMs} ms; got ${receiver.spans().length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      if (receiver.mode === "hang") {
        hanging.add(res);
        return;
      }
      if (receiver.mode === "fail") {
        res.writeHead(503, { "content-type": "application/json" }).end('{"message":"unavailable"}');
        return;
      }
      exports.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

function flatten(body: OtlpTraceRequest): ReceivedSpan[] {
  return body.resourceSpans.flatMap((rs) => {
    const resource = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue ?? ""]));
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, resource, scope: ss.scope })));
  });
}

/** A span's attributes as a plain object (strings, numbers from intValue/doubleValue, booleans). */
export function attributesOf(span: { attributes: OtlpKeyValue[] }): Record<string, string | number | boolean> {
  return Object.fromEntries(
    span.attributes.map(({ key, value }) => [
      key,
      value.stringValue ??
        value.boolValue ??
        (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue),
    ]),
  ) as Record<string, string | number | boolean>;
}

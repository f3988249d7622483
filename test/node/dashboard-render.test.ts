import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type Dashboard,
  formatValue,
  legendOf,
  type PanelData,
  renderDashboard,
} from "../../scripts/dashboard/render.ts";

const dashboard = JSON.parse(
  readFileSync(new URL("../../ops/grafana/dashboards/platform3.json", import.meta.url), "utf8"),
) as Dashboard;

describe("the dashboard renderer of npm run ops:dashboard-shot", () => {
  it("names series as Grafana's legendFormat does", () => {
    expect(legendOf("orders {{instrument}}", { instrument: "BTC-USD" })).toBe("orders BTC-USD");
    expect(legendOf(undefined, { __name__: "x", environment: "dev", shard: "feed-1" })).toBe("shard=feed-1");
    expect(legendOf(undefined, {})).toBe("value");
  });

  it("formats values with their panel's unit", () => {
    expect(formatValue(10.84, "ops")).toBe("10.8/s");
    expect(formatValue(0.0123, "percentunit")).toBe("1.23%");
    expect(formatValue(1530)).toBe("1.53k");
    expect(formatValue(Number.NaN)).toBe("–");
  });

  it("draws every committed panel: stats as their last value, series as lines, empty queries as No data", () => {
    const data: PanelData = new Map();
    const [stat, series] = [
      dashboard.panels.find((p) => p.type === "stat"),
      dashboard.panels.find((p) => p.type === "timeseries"),
    ];
    if (!stat || !series) throw new Error("the dashboard has stat and timeseries panels");
    data.set(stat.id, [
      [
        {
          metric: {},
          values: [
            [1, "3"],
            [2, "7.5"],
          ],
        },
      ],
    ]);
    data.set(series.id, [
      [
        {
          metric: { instrument: "BTC-USD" },
          values: [
            [1, "1"],
            [2, "2"],
          ],
        },
      ],
    ]);
    const html = renderDashboard(dashboard, data, 1, 2, "test");
    expect(html.match(/<section /g)).toHaveLength(dashboard.panels.length);
    for (const panel of dashboard.panels) expect(html).toContain(`<h2>${panel.title.replace(/&/g, "&amp;")}</h2>`);
    expect(html).toContain(
      '<div class="stat">7.50</div>'.replace("7.50", formatValue(7.5, stat.fieldConfig?.defaults?.unit)),
    );
    expect(html).toContain('<path d="M');
    expect(html).toContain("No data");
  });
});

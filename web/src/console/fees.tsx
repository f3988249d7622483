/** Fees collected by the exchange (GET /v1/admin/fees): per quote asset and per instrument. */
import type { RestClient } from "@platform3/client";
import { useLoad } from "./loader.ts";
import { ReadError } from "./read-error.tsx";

export function FeesTab({ rest }: { rest: RestClient }) {
  const fees = useLoad(async () => (await rest.api.GET("/v1/admin/fees")).data, "fees");
  const data = fees.data;
  return (
    <section class="panel" aria-labelledby="fees-title">
      <div class="panel-head">
        <h2 id="fees-title">Fees collected</h2>
        <button type="button" onClick={() => fees.reload()} disabled={fees.loading}>
          Refresh
        </button>
      </div>
      <ReadError error={fees.error} />
      {data && (
        <>
          <p class="muted">
            Reported by {data.sources} account{data.sources === 1 ? "" : "s"}. Negative: rebates paid exceed fees.
          </p>
          <div class="two-col">
            <div data-testid="fees-assets">
              <h3>Per asset</h3>
              {data.assets.length === 0 ? (
                <p class="muted">No fees collected yet.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Asset</th>
                      <th scope="col" class="num">
                        Collected
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.assets.map((a) => (
                      <tr key={a.asset}>
                        <th scope="row">{a.asset}</th>
                        <td class="num">{a.collected}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            <div data-testid="fees-instruments">
              <h3>Per instrument</h3>
              {data.instruments.length === 0 ? (
                <p class="muted">No fees collected yet.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Instrument</th>
                      <th scope="col">Asset</th>
                      <th scope="col" class="num">
                        Collected
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.instruments.map((i) => (
                      <tr key={`${i.instrument}/${i.asset}`}>
                        <th scope="row">{i.instrument}</th>
                        <td>{i.asset}</td>
                        <td class="num">{i.collected}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}

/** The account's fills, newest first: price, size, value, fee and whether this side made or took. */
import type { Fill } from "@platform3/client";
import { clock } from "./order-cells.tsx";

export function FillsTable({ fills, showInstrument }: { fills: Fill[]; showInstrument: boolean }) {
  return (
    <div data-testid="fills" class="account-table">
      <table>
        <caption class="visually-hidden">Fills</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {showInstrument && <th scope="col">Instrument</th>}
            <th scope="col">Side</th>
            <th scope="col" class="num">
              Price
            </th>
            <th scope="col" class="num">
              Size
            </th>
            <th scope="col" class="num">
              Value
            </th>
            <th scope="col" class="num">
              Fee
            </th>
            <th scope="col">Liquidity</th>
            <th scope="col">Order</th>
          </tr>
        </thead>
        <tbody>
          {fills.map((fill) => (
            <tr
              key={fill.fill_id}
              data-testid="fill"
              data-fill-id={fill.fill_id}
              data-order-id={fill.order_id}
              data-price={fill.price}
              data-size={fill.size}
              data-side={fill.side}
              data-fee={fill.fee}
              data-liquidity={fill.liquidity}
            >
              <td class="num time">
                <time dateTime={fill.time}>{clock(fill.time_ms)}</time>
              </td>
              {showInstrument && <td>{fill.instrument}</td>}
              <td class={fill.side}>{fill.side}</td>
              <td class="num">{fill.price}</td>
              <td class="num">{fill.size}</td>
              <td class="num">{fill.value}</td>
              <td class="num">
                {fill.fee} <span class="muted">{fill.fee_asset}</span>
              </td>
              <td>{fill.liquidity}</td>
              <td class="num order-id" title={fill.order_id}>
                {fill.order_id.slice(0, 8)}
              </td>
            </tr>
          ))}
          {fills.length === 0 && (
            <tr>
              <td colSpan={showInstrument ? 9 : 8} class="muted">
                No fills yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

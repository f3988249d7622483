/** A JSON value shown as the API sent it (amounts stay the strings they are). */
export function JsonView({ value }: { value: unknown; label?: string }) {
  return <pre class="json">{value === undefined ? "(no body)" : JSON.stringify(value, null, 2)}</pre>;
}

/** A labelled input with its validation message tied to it (aria-invalid, aria-describedby). */
interface InputProps {
  inputMode?: "decimal" | "numeric" | "text";
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  list?: string;
}

export function Field({
  id,
  label,
  value,
  onValue,
  error,
  hint,
  ...input
}: InputProps & {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: string;
}) {
  const described = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <label for={id} class="field">
      {label}
      <input
        {...input}
        type="text"
        id={id}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
      />
      {hint && (
        <span id={`${id}-hint`} class="hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} class="field-error">
          {error}
        </span>
      )}
    </label>
  );
}

/** A read the page shows: its data, its refusal, and a way to read it again. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Runs `read` on mount and whenever `key` changes (undefined: not yet, nothing to read). */
export function useLoad<T>(read: () => Promise<T>, key: string | undefined): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const current = useRef(0);
  const readRef = useRef(read);
  readRef.current = read;

  const reload = useCallback(async () => {
    const call = ++current.current;
    setLoading(true);
    try {
      const value = await readRef.current();
      if (call !== current.current) return;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (call !== current.current) return;
      setError(err);
    } finally {
      if (call === current.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (key === undefined) return;
    setData(undefined);
    void reload();
  }, [key, reload]);

  return { data, error, loading, reload };
}

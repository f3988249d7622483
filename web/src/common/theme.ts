/**
 * Dark and light: the system's preference until the user picks one, then their pick (kept in
 * localStorage, which holds nothing else). The palette is CSS custom properties (styles.css).
 */
export type Theme = "dark" | "light";

const KEY = "p3.theme";

export function currentTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === "dark" || saved === "light") return saved;
  return matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function applyTheme(theme: Theme = currentTheme()): Theme {
  document.documentElement.dataset.theme = theme;
  return theme;
}

export function toggleTheme(): Theme {
  const next: Theme = currentTheme() === "dark" ? "light" : "dark";
  localStorage.setItem(KEY, next);
  return applyTheme(next);
}

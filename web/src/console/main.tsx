import { render } from "preact";
import "../common/styles.css";
import { applyTheme } from "../common/theme.ts";
import { Console } from "./console.tsx";

applyTheme();
const root = document.getElementById("app");
if (root) render(<Console />, root);

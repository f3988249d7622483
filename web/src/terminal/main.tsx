import { render } from "preact";
import "../common/styles.css";
import { applyTheme } from "../common/theme.ts";
import { Terminal } from "./terminal.tsx";

applyTheme();
const root = document.getElementById("app");
if (root) render(<Terminal />, root);

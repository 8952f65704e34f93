import { defineConfig } from "vite";

// The window is served from inside the Tauri binary (ui/dist); no dev server.
export default defineConfig({
  clearScreen: false,
  build: { target: "safari15", outDir: "dist", emptyOutDir: true, sourcemap: false },
});

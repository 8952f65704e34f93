import { defineConfig } from "vite";

// The members' portal: built into ui/dist-portail and embedded in the
// `guichet` binary, which serves it under /portail.
export default defineConfig({
  clearScreen: false,
  base: "/portail/",
  build: {
    target: "es2020",
    outDir: "dist-portail",
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: { input: "portail.html" },
  },
});

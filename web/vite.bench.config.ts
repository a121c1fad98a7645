// Builds bench/ (the console's parts under load) into dist-bench/, apart from the console itself.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  root: "bench",
  base: "./",
  build: { outDir: "../dist-bench", emptyOutDir: true, chunkSizeWarningLimit: 4000 },
});

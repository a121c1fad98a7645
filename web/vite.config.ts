// The console's build. `npm run dev` serves it with hot reload and sends /v1 to a running server
// (VERSIQII_URL, default http://127.0.0.1:8080: `make dev` starts one), and /ops/v1 (the operators'
// portal's API; the portal's pages are /operators).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = process.env.VERSIQII_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 600 },
  server: {
    port: 5173,
    proxy: { "/v1": { target: api, changeOrigin: false }, "/ops/v1": { target: api, changeOrigin: false } },
  },
});

// `npm run bench`: the console's figures in headless Chromium (Debian's), as docs/benchmarks.md
// records them. Initial JavaScript (gzip) of the built console; the drift heatmap with 1,000
// targets × 20 environments: time to interactive from navigation start and scrolling frame rate
// (Performance API, requestAnimationFrame); the version graph: ELK layout of 2,000 versions.
import { chromium } from "@playwright/test";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;

function initialJs() {
  const html = readFileSync(join(root, "dist/index.html"), "utf8");
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? "");
  const bytes = files.reduce((n, f) => n + gzipSync(readFileSync(join(root, "dist", f))).length, 0);
  return { files, gzipKb: Math.round((bytes / 1024) * 10) / 10 };
}

const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const file = join(root, "dist-bench", path === "/" ? "index.html" : path);
  let body;
  try {
    body = readFileSync(file);
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
  res.end(body);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const address = server.address();
const port = typeof address === "object" && address ? address.port : 0;

const browser = await chromium.launch({
  executablePath: process.env.VQ_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const runs = Number(process.env.VQ_BENCH_RUNS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const interactive = [];
const fps = [];
const worst = [];
const layout = [];
for (let i = 0; i < runs; i++) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/?targets=1000&envs=20`);
  await page.waitForFunction(() => window.__bench.heatmapInteractiveMs !== undefined);
  interactive.push(await page.evaluate(() => window.__bench.heatmapInteractiveMs ?? NaN));
  const scroll = await page.evaluate(() => window.__scroll());
  fps.push(scroll.fps);
  worst.push(scroll.worstFrameMs);
  await page.goto(`http://127.0.0.1:${port}/?what=graph`);
  await page.waitForFunction(() => window.__bench.graphLayoutMs !== undefined, undefined, { timeout: 60_000 });
  layout.push(await page.evaluate(() => window.__bench.graphLayoutMs ?? NaN));
  await page.close();
}
await browser.close();
server.close();

const result = {
  initialJs: initialJs(),
  heatmap: { targets: 1000, envs: 20, runs, interactiveMsMedian: Math.round(median(interactive)), interactiveMs: interactive.map(Math.round), scrollFpsMedian: Math.round(median(fps)), worstFrameMsMedian: Math.round(median(worst)) },
  graph: { versions: 2000, runs, layoutMsMedian: Math.round(median(layout)), layoutMs: layout.map(Math.round) },
};
console.log(JSON.stringify(result, null, 2));


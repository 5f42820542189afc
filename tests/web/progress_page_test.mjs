// The progress page in headless Chromium (Debian's, driven by
// playwright-core: no browser download) against tokenhub-sim and
// seedance-gateway as processes:
//   1. fill the form, see the price, create, see QUEUED -> RUNNING ->
//      SUCCEEDED, and the <video> has loaded its metadata; a screenshot of
//      the finished page is kept in the build folder;
//   2. the SSE connection is cut mid-task (a TCP relay between the browser
//      and the gateway drops it): EventSource reconnects with Last-Event-ID
//      and the page gets every transition exactly once.
// Tasks are held by the simulator and advanced by the test; every wait is a
// condition with a deadline.
//
// usage: node progress_page_test.mjs BIN_DIR OUT_DIR NODE_MODULES
// Exits 77 (skipped) when Chromium or playwright-core is missing.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const [binDir, outDir, nodeModules] = process.argv.slice(2);
const CHROMIUM = "/usr/bin/chromium";
if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is not installed (./dev setup installs it)`);
  process.exit(77);
}
let chromium;
try {
  chromium = createRequire(path.join(path.resolve(nodeModules), "x.js"))("playwright-core").chromium;
} catch (e) {
  console.log(`SKIP: playwright-core not found under ${nodeModules} (./dev setup installs it)`);
  process.exit(77);
}

const children = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "seedance-web-"));
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  fs.rmSync(work, { recursive: true, force: true });
}
process.on("exit", cleanup);

// Starts a process and resolves with the first match of `pattern` on stdout.
function start(cmd, args, pattern, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${out}`)), 20000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.stderr.on("data", (d) => { if (process.env.VERBOSE) process.stderr.write(d); });
    child.on("exit", (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

async function waitFor(what, pred, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A TCP relay that can drop every connection it carries, and remembers what
// the browser sent (to see Last-Event-ID).
function relay(targetPort) {
  const sockets = new Set();
  const requests = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client); sockets.add(upstream);
    client.on("data", (d) => requests.push(d.toString("latin1")));
    client.pipe(upstream); upstream.pipe(client);
    const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on("error", drop); upstream.on("error", drop);
    client.on("close", drop); upstream.on("close", drop);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: server.address().port,
    requests,
    cut() { for (const s of [...sockets]) s.destroy(); sockets.clear(); },
    close() { server.close(); },
  })));
}

async function post(url, body = "") {
  const r = await fetch(url, { method: "POST", body });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
}

const results = [];
async function test(name, fn) {
  try {
    await fn();
    results.push([name, true]);
    console.log(`[ OK ] ${name}`);
  } catch (e) {
    results.push([name, false]);
    console.log(`[FAIL] ${name}: ${e.stack || e}`);
  }
}

const simMatch = await start(path.join(binDir, "tokenhub-sim"), ["--port", "0"], /listening on (http:\/\/[^\s]+)/);
const sim = simMatch[1];
const gwMatch = await start(path.join(binDir, "seedance-gateway"), [
  "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0", `--upstream=${sim}/api/v1`,
  `--store=sqlite:${work}/tasks.db`, "--poll-initial=100ms", "--poll-max=200ms",
], /http listening on port (\d+)/, { TOKENHUB_API_KEY: "th-sim-demo-key" });
const httpPort = Number(gwMatch[1]);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// Fills the form, waits for the price, creates; returns the task id.
async function createFromPage(page) {
  await page.fill("[data-testid=prompt]", "[sim:hold] a red fox running through snow");
  await page.selectOption("[data-testid=resolution]", "RESOLUTION_480P");
  await page.fill("[data-testid=duration]", "5");
  await page.selectOption("[data-testid=aspect-ratio]", "9:16");
  // 5 s at 480p: the debounced validate_only preview of what was typed.
  await waitFor("the price preview of $0.60", async () =>
    (await page.textContent("[data-testid=price]")) === "$0.60");
  await waitFor("Create enabled", () => page.isEnabled("[data-testid=create]"));
  await page.click("[data-testid=create]");
  try {
    return await waitFor("the task id", async () => (await page.textContent("[data-testid=task-id]")).trim());
  } catch (e) {
    throw new Error(`${e.message}; the page says: ${await page.textContent("[data-testid=error]")} ` +
                    `${await page.$$eval(".violation", (els) => els.map((el) => el.textContent).join(" "))}`);
  }
}

async function history(page) {
  return page.$$eval("[data-testid=history] li", (lis) => lis.map((li) => li.dataset.status));
}
async function waitHistory(page, n) {
  return waitFor(`${n} transitions on the page`, async () => (await history(page)).length >= n);
}
const STATES = ["VIDEO_STATUS_QUEUED", "VIDEO_STATUS_RUNNING", "VIDEO_STATUS_SUCCEEDED"];

await test("create, watch QUEUED -> RUNNING -> SUCCEEDED and play the video", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });  // a phone
  await page.goto(`http://127.0.0.1:${httpPort}/`);
  // A field violation shows next to its input, and no price.
  await page.fill("[data-testid=duration]", "99");
  await waitFor("the duration violation", async () =>
    /seconds/.test(await page.textContent('.violation[data-field="duration"]')));
  const id = await createFromPage(page);
  await waitHistory(page, 1);
  await post(`${sim}/_sim/tasks/${id}/advance`);
  await waitHistory(page, 2);
  await post(`${sim}/_sim/tasks/${id}/advance`);
  await waitHistory(page, 3);
  const seen = await history(page);
  if (JSON.stringify(seen) !== JSON.stringify(STATES)) throw new Error(`history ${seen}`);
  await waitFor("the video's metadata", () => page.$eval("[data-testid=video]", (v) => !v.hidden && v.readyState >= 1));
  const status = await page.textContent("[data-testid=status]");
  if (status !== "Succeeded") throw new Error(`status line ${status}`);
  fs.mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, "progress_page.png"), fullPage: true });
  await page.close();
});

await test("a cut SSE connection resumes with Last-Event-ID, nothing lost or repeated", async () => {
  const hop = await relay(httpPort);
  const page = await browser.newPage();
  // Every event as it arrives, before the page's own de-duplication.
  await page.addInitScript(() => {
    window.arrived = [];
    const Original = window.EventSource;
    window.EventSource = function (url, opts) {
      const es = new Original(url, opts);
      es.addEventListener("message", (e) => window.arrived.push(JSON.parse(e.data).sequence));
      return es;
    };
    window.EventSource.prototype = Original.prototype;
    window.EventSource.CLOSED = Original.CLOSED;
  });
  await page.goto(`http://127.0.0.1:${hop.port}/`);
  const id = await createFromPage(page);
  await waitHistory(page, 1);
  hop.cut();  // mid-task: the stream, and the page's other connections
  await post(`${sim}/_sim/tasks/${id}/advance`);
  await waitHistory(page, 2);
  await post(`${sim}/_sim/tasks/${id}/advance`);
  await waitHistory(page, 3);
  const seen = await history(page);
  if (JSON.stringify(seen) !== JSON.stringify(STATES)) throw new Error(`history ${seen}`);
  const arrived = await page.evaluate(() => window.arrived);
  if (JSON.stringify(arrived) !== JSON.stringify(["10", "20", "30"])) {
    throw new Error(`events arrived ${JSON.stringify(arrived)}, want each once`);
  }
  const resumed = hop.requests.filter((r) => r.includes(":watch") && /Last-Event-ID: 10\r\n/i.test(r));
  if (resumed.length === 0) throw new Error("no reconnect carried Last-Event-ID: 10");
  await page.close();
  hop.close();
});

await browser.close();
const failed = results.filter(([, ok]) => !ok).length;
console.log(`${results.length - failed}/${results.length} passed`);
process.exit(failed ? 1 : 0);

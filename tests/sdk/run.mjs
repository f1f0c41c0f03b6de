// Starts busyard-emulator on free ports, runs one SDK test script against it, always stops it.
//   node run.mjs <path/to/busyard-emulator> <script.mjs | script.py>
//
// A .mjs script exports `default async (connectionString, endpoints)` and optionally
// `export const emulator = { durable: true, sample: false, timeoutMs: 50000 }`:
//   durable    no --in-memory: the SQLite store lives in the temporary data dir (default false);
//   sample     pass --sample (default true);
//   timeoutMs  watchdog for the whole script (default 50 s); on expiry everything is killed and the
//              test fails.
// The script runs in a child Node process started once the emulator is up, with NODE_EXTRA_CA_CERTS
// set to the emulator's development CA (Node reads that variable only at start-up), so the unmodified
// ServiceBusAdministrationClient can talk HTTPS to the emulator. `endpoints` carries the ports, the
// CA path, `adminConnectionString` (Endpoint=sb://localhost:<https port>) and `restart(signal)`, which
// asks this process (over the IPC channel) to kill the emulator with `signal` (default SIGKILL) and
// start it again on the SAME ports and data dir; it resolves once the new emulator is ready.
// A .py script runs with the system Python (Debian's azure-servicebus 7.8 + uamqp) and gets the
// endpoints in BUSYARD_* variables.
import { fork, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// ---------------------------------------------------------------------------------------------
// Child mode: node run.mjs --child <script.mjs>; endpoints arrive in BUSYARD_ENDPOINTS.
// ---------------------------------------------------------------------------------------------
if (process.argv[2] === "--child") {
  const scriptPath = process.argv[3];
  const endpoints = JSON.parse(process.env.BUSYARD_ENDPOINTS);
  let pendingRestart = null;
  process.on("message", (message) => {
    if (message?.type !== "restarted" || !pendingRestart) return;
    const { resolve: done, reject } = pendingRestart;
    pendingRestart = null;
    if (message.error) reject(new Error(message.error));
    else { Object.assign(endpoints, message.endpoints); done(endpoints); }
  });
  endpoints.restart = (signal = "SIGKILL") => new Promise((done, reject) => {
    if (pendingRestart) { reject(new Error("restart already in progress")); return; }
    pendingRestart = { resolve: done, reject };
    process.send({ type: "restart", signal });
  });
  let code = 0;
  try {
    const script = await import(pathToFileURL(resolve(scriptPath)).href);
    await script.default(endpoints.connectionString, endpoints);
  } catch (error) {
    console.error(`FAIL ${scriptPath}:`, error);
    code = 1;
  }
  // The SDK may keep sockets/timers alive; the verdict is final here.
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------
// Parent mode.
// ---------------------------------------------------------------------------------------------
const [emulatorPath, scriptPath] = process.argv.slice(2);
if (!emulatorPath || !scriptPath) {
  console.error("usage: node run.mjs <busyard-emulator> <script.mjs | script.py>");
  process.exit(2);
}

const isPython = scriptPath.endsWith(".py");
const scriptOptions = isPython ? {} : ((await import(pathToFileURL(resolve(scriptPath)).href)).emulator ?? {});
const durable = scriptOptions.durable ?? false;
const sample = scriptOptions.sample ?? true;
const timeoutMs = scriptOptions.timeoutMs ?? (isPython ? 150000 : 50000);

const dataDir = mkdtempSync(join(tmpdir(), "busyard-sdk-"));
let emulator = null;
let scriptChild = null;

const emulatorAlive = () => emulator && emulator.exitCode === null && emulator.signalCode === null;
const stop = () => {
  if (scriptChild && scriptChild.exitCode === null && scriptChild.signalCode === null) scriptChild.kill("SIGKILL");
  if (emulatorAlive()) emulator.kill("SIGTERM");
  try { rmSync(dataDir, { recursive: true, force: true }); } catch { /* best effort */ }
};
process.on("exit", stop);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { stop(); process.exit(130); });

/** Starts the emulator with `ports` (0 = pick a free one) and resolves with its printed endpoints. */
function startEmulator(ports) {
  const args = ["--amqp-port", String(ports.amqpPort ?? 0), "--amqps-port", String(ports.amqpsPort ?? 0),
                "--ws-port", String(ports.webSocketPort ?? 0), "--http-port", String(ports.httpPort ?? 0),
                "--https-port", String(ports.httpsPort ?? 0), "--data-dir", dataDir,
                "--log-level", process.env.BUSYARD_LOG_LEVEL ?? "warn"];
  if (!durable) args.push("--in-memory");
  if (sample) args.push("--sample");
  const child = spawn(emulatorPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  emulator = child;
  return new Promise((resolvePromise, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error("emulator did not start within 20 s")), 20000);
    const onExit = (code, signal) => { clearTimeout(timer); reject(new Error(`emulator exited early with ${code ?? signal}`)); };
    child.on("exit", onExit);
    child.stdout.on("data", (chunk) => {
      output += chunk.toString();
      const match = output.match(/connection string: (\S+)/);
      if (!match) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      const port = (re) => { const p = output.match(re)?.[1]; return p ? Number(p) : undefined; };
      const result = {
        connectionString: match[1],
        amqpPort: port(/amqp:\/\/[^:]+:(\d+)/),
        amqpsPort: port(/amqps:\/\/[^:]+:(\d+)/),
        caCertificate: output.match(/CA certificate: ([^)]+)\)/)?.[1],
        webSocketPort: port(/wss:\/\/[^:]+:(\d+)/),
        httpPort: port(/http:\/\/[^:]+:(\d+)/),
        httpsPort: port(/https:\/\/[^:]+:(\d+)/),
        dataDir,
      };
      if (result.httpsPort) {
        result.adminConnectionString = match[1]
          .replace(/Endpoint=sb:\/\/[^;]+/, `Endpoint=sb://localhost:${result.httpsPort}`)
          .replace(/;UseDevelopmentEmulator=true/i, "");
      }
      resolvePromise(result);
    });
  });
}

/** Kills the running emulator with `signal`, then starts it again on the same ports and data dir. */
async function restartEmulator(endpoints, signal) {
  const old = emulator;
  if (emulatorAlive()) {
    const exited = new Promise((done) => old.once("exit", done));
    old.kill(signal);
    await exited;
  }
  let lastError;
  for (let attempt = 0; attempt < 10; ++attempt) { // a port may linger briefly after SIGKILL
    try {
      return await startEmulator(endpoints);
    } catch (error) {
      lastError = error;
      await new Promise((done) => setTimeout(done, 300));
    }
  }
  throw lastError;
}

let failed = false;
let watchdog;
try {
  let endpoints = await startEmulator({});
  const timedOut = new Promise((_, reject) => {
    watchdog = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  const env = { ...process.env, BUSYARD_CONNECTION_STRING: endpoints.connectionString,
                BUSYARD_AMQPS_PORT: String(endpoints.amqpsPort ?? ""), BUSYARD_CA: endpoints.caCertificate ?? "",
                BUSYARD_WS_PORT: String(endpoints.webSocketPort ?? ""), BUSYARD_HTTP_PORT: String(endpoints.httpPort ?? ""),
                BUSYARD_HTTPS_PORT: String(endpoints.httpsPort ?? "") };
  if (endpoints.caCertificate) env.NODE_EXTRA_CA_CERTS = endpoints.caCertificate;
  const selfPath = fileURLToPath(import.meta.url);
  const finished = new Promise((resolvePromise, reject) => {
    if (isPython) {
      scriptChild = spawn("/usr/bin/python3", [scriptPath], { stdio: "inherit", env });
    } else {
      env.BUSYARD_ENDPOINTS = JSON.stringify(endpoints);
      scriptChild = fork(selfPath, ["--child", scriptPath], { stdio: "inherit", env });
      scriptChild.on("message", async (message) => {
        if (message?.type !== "restart") return;
        try {
          const fresh = await restartEmulator(endpoints, message.signal ?? "SIGKILL");
          endpoints = { ...endpoints, ...fresh };
          scriptChild.send({ type: "restarted", endpoints: fresh });
        } catch (error) {
          scriptChild.send({ type: "restarted", error: String(error) });
        }
      });
    }
    scriptChild.on("error", reject);
    scriptChild.on("exit", (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`script exited with ${code ?? signal}`));
    });
  });
  await Promise.race([finished, timedOut]);
  if (!emulatorAlive()) throw new Error("the emulator died during the test");
  console.log(`PASS ${scriptPath}`);
} catch (error) {
  failed = true;
  console.error(`FAIL ${scriptPath}:`, error.message ?? error);
} finally {
  clearTimeout(watchdog);
  stop();
}
process.exit(failed ? 1 : 0);

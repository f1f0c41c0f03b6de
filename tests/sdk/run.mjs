// Starts busyard-emulator on free ports, runs one SDK test script against it, always stops it.
//   node run.mjs <path/to/busyard-emulator> <script.mjs>
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [emulatorPath, scriptPath] = process.argv.slice(2);
if (!emulatorPath || !scriptPath) {
  console.error("usage: node run.mjs <busyard-emulator> <script.mjs>");
  process.exit(2);
}

const dataDir = mkdtempSync(join(tmpdir(), "busyard-sdk-"));
const emulator = spawn(
  emulatorPath,
  ["--amqp-port", "0", "--amqps-port", "-1", "--in-memory", "--sample", "--data-dir", dataDir, "--log-level",
   process.env.BUSYARD_LOG_LEVEL ?? "warn"],
  { stdio: ["ignore", "pipe", "inherit"] });

const stop = () => {
  if (emulator.exitCode === null && emulator.signalCode === null) emulator.kill("SIGTERM");
  try { rmSync(dataDir, { recursive: true, force: true }); } catch { /* best effort */ }
};
process.on("exit", stop);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { stop(); process.exit(130); });

const connectionString = await new Promise((resolvePromise, reject) => {
  let output = "";
  const timer = setTimeout(() => reject(new Error("emulator did not start within 20 s")), 20000);
  emulator.stdout.on("data", (chunk) => {
    output += chunk.toString();
    const match = output.match(/connection string: (\S+)/);
    if (match) {
      clearTimeout(timer);
      resolvePromise(match[1]);
    }
  });
  emulator.on("exit", (code) => reject(new Error(`emulator exited early with ${code}`)));
});

let failed = false;
try {
  const script = await import(pathToFileURL(resolve(scriptPath)).href);
  await script.default(connectionString);
  console.log(`PASS ${scriptPath}`);
} catch (error) {
  failed = true;
  console.error(`FAIL ${scriptPath}:`, error);
} finally {
  stop();
}
process.exit(failed ? 1 : 0);

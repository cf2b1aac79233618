// Typed TypeScript clients from a contract, end to end (docs/typescript.md):
// 1. `switchboard-server contract export --format super-line-ts` writes the demo's and the test
//    contracts as super-line modules, and `tsc` type-checks them with a program that calls the
//    demo through the real super-line client (its `@ts-expect-error` lines must be refused);
// 2. scripts/contract-from-ts.mjs converts each module back, and the JSON equals the source
//    contract (`required` compared as the set it is) and loads in the server;
// 3. the compiled program makes typed calls to a running demo server.
//
//   node tests/superline-ts/run.mjs path/to/switchboard-server
import { spawn, execFileSync } from "node:child_process";
import { readFileSync, mkdirSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const server = process.argv[2];
if (!server) throw new Error("usage: node tests/superline-ts/run.mjs path/to/switchboard-server");

const contracts = {
  demo: join(root, "embedded-server/demo/src/contract.json"),
  features: join(here, "contracts/features.json"),
};
rmSync(join(here, "generated"), { recursive: true, force: true });
rmSync(join(here, "build"), { recursive: true, force: true });
mkdirSync(join(here, "generated"));
for (const [name, file] of Object.entries(contracts)) {
  const args = ["contract", "export", "--format", "super-line-ts", "--out", join(here, "generated", `${name}.ts`)];
  if (name !== "demo") args.push("--contract", file);
  execFileSync(server, args, { stdio: "inherit" });
}

let failed = 0;
function check(name, fn) {
  try {
    fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n${e.stack ?? e}`);
  }
}

check("tsc type-checks the generated modules and the typed calls", () => {
  execFileSync(process.execPath, [join(here, "node_modules/typescript/bin/tsc"), "-p", here], { stdio: "inherit" });
});

/** The contract as the file format defines equality: `required` is a set. */
function canonical(value, key) {
  if (Array.isArray(value)) {
    const items = value.map((v) => canonical(v));
    return key === "required" ? items.sort() : items;
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k], k)]));
  }
  return value;
}

for (const [name, file] of Object.entries(contracts)) {
  check(`round trip JSON -> TypeScript -> JSON is equal (${name})`, () => {
    const back = join(here, "build", `${name}.roundtrip.json`);
    execFileSync(process.execPath, [join(root, "scripts/contract-from-ts.mjs"), join(here, "generated", `${name}.ts`), "--out", back], { stdio: "inherit" });
    assert.deepEqual(canonical(JSON.parse(readFileSync(back, "utf8"))), canonical(JSON.parse(readFileSync(file, "utf8"))));
    // And the server loads it (export compiles the contract first).
    execFileSync(server, ["contract", "export", "--format", "super-line-ts", "--contract", back, "--out", "-"], { stdio: "ignore" });
  });
}

const demo = spawn(server, ["--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
try {
  const url = await new Promise((resolve, reject) => {
    demo.on("exit", (code) => reject(new Error(`the demo server exited (${code})`)));
    createInterface({ input: demo.stdout }).on("line", (line) => {
      const m = /listening on (ws:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  const out = execFileSync(process.execPath, [join(here, "build/src/typed-calls.js"), url], { encoding: "utf8" });
  const results = JSON.parse(out.trim().split("\n").pop());
  check("typed calls to the demo through the real super-line client", () => {
    assert.deepEqual(results.join, { ok: true });
    assert.deepEqual(results.say, { ok: true });
    assert.deepEqual(results.message, { room: "lobby", text: "hello from a typed agent", from: "bot" });
    assert.equal(results.delivered, 1);
    assert.equal(results.tickerIsNumber, true);
    assert.equal(results.refused, "FORBIDDEN");
  });
} finally {
  demo.kill();
}
if (failed) {
  console.log(`${failed} check(s) failed`);
  process.exit(1);
}
console.log("superline-ts: all checks passed");

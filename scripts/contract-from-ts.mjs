#!/usr/bin/env node
// A super-line contract module (TypeScript or JavaScript, zod 4 schemas) as a Switchboard
// contract file, so a contract written in TypeScript runs with `switchboard-server --contract`
// and in the console. The inverse of `switchboard-server contract export --format super-line-ts`.
//
//   node scripts/contract-from-ts.mjs path/to/contract.ts --out contract.json [--export NAME]
//
// The module is imported from where it sits, so `zod` and `@super-line/core` (and, for a .ts
// file, `typescript`) resolve from its own project's node_modules: no npx, no download.
// Schemas are read through Standard JSON Schema (`schema["~standard"].jsonSchema.input`), which
// zod 4 implements; only what a Switchboard contract can say is accepted (see docs/typescript.md).

import { readFileSync, writeFileSync, unlinkSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve, dirname, basename, extname, join } from "node:path";
import { pathToFileURL } from "node:url";

function usage(message) {
  if (message) console.error(`error: ${message}`);
  console.error("usage: node scripts/contract-from-ts.mjs MODULE --out FILE.json [--export NAME]");
  process.exit(2);
}

/** Imports the module; a .ts/.mts file is transpiled beside itself (imports resolve as there). */
async function load(file) {
  const ext = extname(file);
  if (ext !== ".ts" && ext !== ".mts") return import(pathToFileURL(file).href);
  const require = createRequire(file);
  let ts;
  try {
    ts = require("typescript");
  } catch {
    throw new Error(`${file}: a .ts module needs the "typescript" package in its project`);
  }
  const out = ts.transpileModule(readFileSync(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: file,
  }).outputText;
  const tmp = join(dirname(file), `.${basename(file, ext)}.${process.pid}.contract-from-ts.mjs`);
  writeFileSync(tmp, out);
  try {
    return await import(pathToFileURL(tmp).href);
  } finally {
    unlinkSync(tmp);
  }
}

/** The patterns zod writes beside a format it checks itself: not part of the contract. */
async function zodFormatPatterns(file) {
  const { z } = await import(pathToFileURL(createRequire(file).resolve("zod")).href);
  const patterns = new Map();
  for (const s of [z.email(), z.uuid(), z.url(), z.iso.datetime({ offset: true }), z.iso.date(),
    z.ipv4(), z.ipv6(), z.hostname(), z.iso.duration()]) {
    const json = z.toJSONSchema(s);
    if (json.format && json.pattern) patterns.set(json.format, json.pattern);
  }
  return patterns;
}

class Refused extends Error {}

/** zod's JSON Schema, minus what zod adds on its own and that means nothing more. */
function normalise(schema, formatPatterns, root = true) {
  if (Array.isArray(schema)) return schema.map((s) => normalise(s, formatPatterns, false));
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (root && key === "$schema") continue;
    // Maps of schemas: recurse into each value, never treat their keys as keywords.
    if (key === "properties" || key === "$defs") {
      const map = {};
      for (const [k, v] of Object.entries(value)) map[k] = normalise(v, formatPatterns, false);
      out[key] = map;
    } else out[key] = normalise(value, formatPatterns, false);
  }
  const empty = (v) => v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
  // `{}` accepts anything: the same as leaving the keyword out.
  if (empty(out.additionalProperties)) delete out.additionalProperties;
  if (empty(out.items)) delete out.items;
  if (empty(out.properties)) delete out.properties;
  // z.int() writes the safe-integer range as bounds.
  if (out.type === "integer") {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  if (out.format && out.pattern && formatPatterns.get(out.format) === out.pattern) delete out.pattern;
  // RegExp#source escapes "/", which means the same unescaped.
  if (typeof out.pattern === "string") out.pattern = out.pattern.replace(/(?<!\\)((?:\\\\)*)\\\//g, "$1/");
  // `required` is a set; written sorted for a stable file.
  if (Array.isArray(out.required)) out.required = [...out.required].sort();
  return out;
}

function schemaOf(value, where, formatPatterns) {
  const std = value?.["~standard"];
  if (!std?.jsonSchema?.input) {
    throw new Refused(`${where}: not a schema that writes JSON Schema (use zod 4)`);
  }
  let json;
  try {
    json = std.jsonSchema.input({ target: "draft-2020-12" });
  } catch (e) {
    throw new Refused(`${where}: zod cannot write this schema as JSON Schema: ${e.message}`);
  }
  return normalise(json, formatPatterns);
}

function withDescription(entry, def, where) {
  if (def.description === undefined) return entry;
  if (typeof def.description !== "string") throw new Refused(`${where}.description: expected a string`);
  return { description: def.description, ...entry };
}

function messages(block, where, formatPatterns) {
  const out = {};
  for (const [name, def] of Object.entries(block ?? {})) {
    const here = `${where}.${name}`;
    if ("input" in def) throw new Refused(`${here}: server-to-client requests are not part of a Switchboard contract`);
    const entry = { payload: schemaOf(def.payload, `${here}.payload`, formatPatterns) };
    if (def.subscribe === true) entry.subscribe = true;
    out[name] = withDescription(entry, def, here);
  }
  return out;
}

function convert(contract, formatPatterns) {
  if (!contract || typeof contract !== "object" || !contract.roles) {
    throw new Refused("the export is not a super-line contract (no roles)");
  }
  if (Object.keys(contract.collections ?? {}).length) throw new Refused("collections: not part of a Switchboard contract");
  if ((contract.plugins ?? []).length) throw new Refused("plugins: not part of a Switchboard contract");
  if (Object.keys(contract.shared?.clientToServer ?? {}).length) {
    throw new Refused("shared.clientToServer: a Switchboard request belongs to a role; declare it per role");
  }
  const out = {};
  const shared = messages(contract.shared?.serverToClient, "shared.serverToClient", formatPatterns);
  if (Object.keys(shared).length) out.shared = { serverToClient: shared };
  out.roles = {};
  for (const [role, block] of Object.entries(contract.roles)) {
    for (const key of Object.keys(block)) {
      if (key !== "clientToServer" && key !== "serverToClient") {
        throw new Refused(`roles.${role}.${key}: not part of a Switchboard contract`);
      }
    }
    const r = {};
    const requests = {};
    for (const [name, def] of Object.entries(block.clientToServer ?? {})) {
      const here = `roles.${role}.clientToServer.${name}`;
      requests[name] = withDescription({
        input: schemaOf(def.input, `${here}.input`, formatPatterns),
        output: schemaOf(def.output, `${here}.output`, formatPatterns),
      }, def, here);
    }
    if (Object.keys(requests).length) r.clientToServer = requests;
    const pushes = messages(block.serverToClient, `roles.${role}.serverToClient`, formatPatterns);
    if (Object.keys(pushes).length) r.serverToClient = pushes;
    out.roles[role] = r;
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  let file, outFile, exportName;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--out") outFile = args[++i];
    else if (args[i] === "--export") exportName = args[++i];
    else if (args[i].startsWith("-")) usage(`unknown option ${args[i]}`);
    else if (!file) file = resolve(args[i]);
    else usage("one module at a time");
  }
  if (!file || !outFile) usage();
  const mod = await load(file);
  const contract = exportName ? mod[exportName] : (mod.contract ?? mod.default);
  if (!contract) throw new Refused(`${file}: no export ${exportName ?? "contract (or default)"}`);
  const json = JSON.stringify(convert(contract, await zodFormatPatterns(file)), null, 2) + "\n";
  if (outFile === "-") process.stdout.write(json);
  else {
    writeFileSync(`${outFile}.tmp`, json);
    renameSync(`${outFile}.tmp`, outFile);
  }
}

main().catch((e) => {
  console.error(`error: ${e instanceof Refused ? e.message : e.stack ?? e}`);
  process.exit(1);
});

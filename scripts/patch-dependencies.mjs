#!/usr/bin/env node
// Runs after every `npm ci` / `npm install` (the root package's postinstall): mends known bugs in
// dependencies until their releases carry the fix. Plain JavaScript, no dependencies; idempotent;
// a file that no longer looks as expected is left alone with a warning (the fix may have landed).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const PATCHES = [
  {
    // porsager/postgres#1154 (#1066, #1208): a write scheduled with setImmediate runs after the
    // connection closed and dereferences a null socket. Thrown from the immediate, it escapes every
    // caller and kills the process (the worker, during a database outage). Settle instead: the
    // queries on the connection are rejected with CONNECTION_CLOSED, which the caller retries.
    name: 'postgres: guard nextWrite against a closed socket',
    files: ['node_modules/postgres/src/connection.js', 'node_modules/postgres/cjs/src/connection.js', 'node_modules/postgres/cf/src/connection.js'],
    find: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n',
    replace:
      '  function nextWrite(fn) {\n' +
      '    if (socket === null) { // patched by Ordo (scripts/patch-dependencies.mjs): porsager/postgres#1154\n' +
      '      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n' +
      '      chunk = nextWriteTimer = null\n' +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '      return false\n' +
      '    }\n' +
      '    const x = socket.write(chunk, fn)\n',
  },
];

for (const patch of PATCHES) {
  for (const file of patch.files.map((f) => join(root, f)).filter(existsSync)) {
    const source = readFileSync(file, 'utf8');
    if (source.includes(patch.replace)) continue;
    if (!source.includes(patch.find)) {
      console.warn(`patch-dependencies: "${patch.name}" does not apply to ${file} (changed upstream?); left as it is`);
      continue;
    }
    writeFileSync(file, source.replace(patch.find, patch.replace));
    console.log(`patch-dependencies: ${patch.name} (${file.slice(root.length + 1)})`);
  }
}

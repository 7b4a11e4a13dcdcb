#!/usr/bin/env node
// Runs before anything else in `npm start` / `npm test`, so it is plain JavaScript with no
// dependencies: installs node_modules when missing or stale (package-lock.json or the dependency
// patches changed: npm ci runs scripts/patch-dependencies.mjs), then hands over to the real command.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.ordo-lock-hash');
const lockHash = createHash('sha256').update(readFileSync(lock)).update(readFileSync(join(root, 'scripts', 'patch-dependencies.mjs'))).digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.log('Installing dependencies (npm ci)…');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (npm.status !== 0) process.exit(npm.status ?? 1);
  writeFileSync(stamp, lockHash);
}

const [command, ...args] = process.argv.slice(2);
if (!command) process.exit(0);
const bin = join(root, 'node_modules', '.bin', command);
const child = spawn(existsSync(bin) ? bin : command, args, { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the child from the terminal; wait for it to stop cleanly instead of dying first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

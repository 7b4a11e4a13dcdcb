import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Finds the Temporal CLI (which embeds the dev server), never downloading a prebuilt binary:
 * TEMPORAL_CLI_PATH, then `temporal` on PATH, then Ordo's cache, then a build with `go install`
 * into that cache. The pinned tag is the newest that `go install` can build.
 */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export function cacheDir(): string {
  return process.env.ORDO_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'ordo');
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
    return env.TEMPORAL_CLI_PATH;
  }
  const onPath = (env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'temporal')).find(isExecutable);
  return onPath ?? [join(cacheDir(), 'bin', 'temporal')].find(isExecutable);
}

const HOW_TO_INSTALL = `The Temporal CLI was not found and could not be built.
Install it in one of these ways, then run the command again:
  - macOS:          brew install temporal
  - Linux / macOS:  curl -sSf https://temporal.download/cli.sh | sh   (then put it on PATH)
  - with Go:        go install ${TEMPORAL_CLI_MODULE}
or point TEMPORAL_CLI_PATH at an existing binary.`;

export async function ensureTemporalCli(log: (line: string) => void = console.log): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  const go = findGo();
  if (!go) throw new Error(HOW_TO_INSTALL);
  const bin = join(cacheDir(), 'bin');
  mkdirSync(bin, { recursive: true });
  log(`Building the Temporal CLI with Go into ${bin} (first run only; takes a few minutes)…`);
  try {
    await promisify(execFile)(go, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: bin, CGO_ENABLED: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(`${HOW_TO_INSTALL}\n\ngo install failed: ${(error as Error).message}`);
  }
  const built = join(bin, 'temporal');
  if (!isExecutable(built)) throw new Error(HOW_TO_INSTALL);
  return built;
}

function findGo(): string | undefined {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

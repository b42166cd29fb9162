// Runs a program without a shell and collects what it printed: the one spawn-and-collect helper.
import { spawn } from 'node:child_process';

/** How a program ended and what it printed. */
export interface Collected {
  /** The exit code; -1 when a signal ended it. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link collectProcess}. */
export interface CollectOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed (stdin is empty otherwise). */
  input?: string;
}

/** Runs `bin args…` to its end; never rejects on an exit code (only when it cannot start). */
export function collectProcess(
  bin: string,
  args: readonly string[],
  opts: CollectOptions = {},
): Promise<Collected> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // EPIPE when the child exits early
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? -1,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.end(opts.input ?? '');
  });
}

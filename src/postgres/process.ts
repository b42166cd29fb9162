import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import * as core from '@actions/core';
import { adviceFor } from './advice.js';
import { ActionError } from '../errors.js';

/** A running client program: its streams and a promise of a clean exit. */
export interface RunningProcess {
  /** Standard input, when requested. */
  stdin: Writable;
  /** Standard output. */
  stdout: Readable;
  /** Resolves on exit code 0; rejects with the stderr tail otherwise. */
  exited: Promise<void>;
  /** The process id (undefined when the program could not be started). */
  pid?: number;
}

/** Options for {@link startProcess}. */
export interface ProcessOptions {
  /** Environment (libpq variables included). */
  env: NodeJS.ProcessEnv;
  /** Aborting kills the process. */
  signal: AbortSignal;
  /** A short name for log lines and errors, e.g. `pg_dump`. */
  name: string;
  /** Whether stdin is a pipe (else ignored). */
  stdin?: boolean;
  /** Whether stdout is read (else ignored). */
  stdout?: boolean;
  /** Called with every stderr line (besides logging it). */
  onStderrLine?: (line: string) => void;
}

const TAIL_BYTES = 4000;
/** The reason of a process stopped by the run's abort signal (an echo of another failure). */
export const ABORTED = 'stopped after another part failed';

/** Starts a program without a shell; its stderr is logged line by line and kept for errors. */
export function startProcess(bin: string, args: string[], options: ProcessOptions): RunningProcess {
  const child = spawn(bin, args, {
    env: options.env,
    signal: options.signal,
    stdio: [
      options.stdin ? 'pipe' : 'ignore',
      options.stdout === false ? 'ignore' : 'pipe',
      'pipe',
    ],
    windowsHide: true,
  });
  let tail = '';
  const stderr = child.stderr as Readable;
  stderr.setEncoding('utf8');
  const lines = new LineSplitter((line) => {
    core.info(stderrLogLine(options.name, line));
    options.onStderrLine?.(line);
  });
  stderr.on('data', (text: string) => {
    tail = (tail + text).slice(-TAIL_BYTES);
    lines.push(text);
  });
  stderr.once('end', () => lines.end());
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      // An abort is followed by 'close', which tells how the process really ended.
      if (error.name !== 'AbortError')
        reject(processError(options.name, error.message, tail, false));
    });
    child.once('close', (code, signal) => {
      const aborted = options.signal.aborted;
      if (code === 0) resolve();
      else reject(processError(options.name, exitReason(code, signal, aborted), tail, aborted));
    });
  });
  exited.catch(() => undefined);
  const { pid } = child;
  return { stdin: child.stdin as Writable, stdout: child.stdout as Readable, exited, pid };
}

/**
 * A stderr line as logged: prefixed with the program's name, unless the program already began it
 * so (`pg_dump: error: …`, `psql:<stdin>:12: ERROR: …`).
 */
export function stderrLogLine(name: string, line: string): string {
  return line.startsWith(`${name}:`) ? line : `${name}: ${line}`;
}

/** An error from a client program: why it stopped and the last lines it printed. */
export class ProcessError extends ActionError {
  constructor(
    readonly program: string,
    readonly reason: string,
    readonly stderrTail: string,
    /** It ended after the run was aborted: an echo of another failure (or of a cancel), not a cause. */
    readonly afterAbort = false,
  ) {
    const detail = lastLines(stderrTail, 5);
    super(`${program} failed (${reason})${detail ? `: ${detail}` : ''}${adviceFor(detail)}`);
    this.name = 'ProcessError';
  }
}

// Only the signal the abort sends (spawn's default SIGTERM) is ours; any other came from outside.
function exitReason(code: number | null, signal: NodeJS.Signals | null, aborted: boolean): string {
  if (signal) return aborted && signal === 'SIGTERM' ? ABORTED : `killed by ${signal}`;
  return `exit code ${code}`;
}

function processError(
  name: string,
  reason: string,
  tail: string,
  afterAbort: boolean,
): ProcessError {
  return new ProcessError(name, reason, tail, afterAbort);
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** Cuts text that arrives in arbitrary chunks into whole lines (a line split across chunks stays one). */
export class LineSplitter {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  /** Takes the next chunk; emits every line it completes. */
  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (line) this.onLine(line);
  }

  /** Emits the last line when it had no newline. */
  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

/**
 * The log outside GitHub Actions. Every part of the action logs through @actions/core, which
 * writes workflow commands (`::group::`, `::error::`, `::save-state`, ...) to stdout for the
 * runner to read. Where no runner reads them, {@link usePlainLog} rewrites them at the one place
 * they leave the process, so the log reads like a command-line tool's.
 */

/** One translated line and the stream it goes to. */
export interface PlainLine {
  text: string;
  stream: 'stdout' | 'stderr';
}

// Commands that only mean something to a runner (masks, state, outputs, env, paths, matchers).
const RUNNER_ONLY = new Set([
  'add-mask',
  'save-state',
  'set-output',
  'set-env',
  'add-path',
  'echo',
  'add-matcher',
  'remove-matcher',
  'endgroup',
]);

/**
 * A workflow command as a command-line tool prints it: a group as a heading, `Error: ...` and
 * `Warning: ...` on stderr, `Notice: ...`, debug lines only with `debug`, runner-only commands
 * dropped (undefined); the message with its percent-escapes undone. Other lines are unchanged.
 */
export function plainLine(line: string, debug = false): PlainLine | undefined {
  const m = /^::([a-z-]+)(?: [^:]*)?::(.*)$/s.exec(line);
  if (!m) return { text: line, stream: 'stdout' };
  const [, name = '', data = ''] = m;
  const text = unescapeData(data);
  if (name === 'group') return { text: `==> ${text}`, stream: 'stdout' };
  // Not a runner command: GitHub's local-action prints its stubbed core.info so without a TTY.
  if (name === 'info') return { text, stream: 'stdout' };
  if (name === 'error') return { text: `Error: ${text}`, stream: 'stderr' };
  if (name === 'warning') return { text: `Warning: ${text}`, stream: 'stderr' };
  if (name === 'notice') return { text: `Notice: ${text}`, stream: 'stdout' };
  if (name === 'debug') return debug ? { text: `Debug: ${text}`, stream: 'stdout' } : undefined;
  if (RUNNER_ONLY.has(name)) return undefined;
  return { text: line, stream: 'stdout' };
}

/** Undoes @actions/core's escaping of a command's message (%25, %0D, %0A). */
export function unescapeData(data: string): string {
  const chars: Record<string, string> = { '%25': '%', '%0D': '\r', '%0A': '\n' };
  return data.replace(/%(25|0D|0A)/g, (escape) => chars[escape] ?? escape);
}

/** A chunk written to stdout, split into what goes to stdout and to stderr. */
export function plainChunk(chunk: string, debug = false): { stdout: string; stderr: string } {
  if (!/(^|\n)::/.test(chunk)) return { stdout: chunk, stderr: '' };
  const out = { stdout: '', stderr: '' };
  const lines = chunk.split('\n');
  const last = lines.pop() ?? '';
  for (const line of lines) {
    const plain = plainLine(line.replace(/\r$/, ''), debug);
    if (plain) out[plain.stream] += `${plain.text}\n`;
  }
  const tail = last ? plainLine(last, debug) : undefined;
  if (tail) out[tail.stream] += tail.text;
  return out;
}

/**
 * Rewrites the workflow commands this process writes to stdout until the returned function is
 * called (debug lines shown when RUNNER_DEBUG is 1, as a runner does). Outside GitHub Actions only.
 */
export function usePlainLog(env: NodeJS.ProcessEnv): () => void {
  // Put back exactly as found (a test's spy, or the stream's own method).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = process.stdout.write;
  const debug = env.RUNNER_DEBUG === '1';
  const stdout = process.stdout.write.bind(process.stdout) as Write;
  const stderr = process.stderr.write.bind(process.stderr) as Write;
  const write: Write = (chunk, ...rest) => {
    if (typeof chunk !== 'string') return stdout(chunk, ...rest);
    const plain = plainChunk(chunk, debug);
    if (plain.stderr) stderr(plain.stderr);
    return stdout(plain.stdout, ...rest);
  };
  process.stdout.write = write;
  return () => {
    process.stdout.write = original;
  };
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

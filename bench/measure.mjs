// Runs one benchmark case and measures it from /proc: wall time, CPU seconds per program of the
// process tree (node, pg_dump, pg_restore, psql, gzip, bash) plus the database server's processes
// and the local S3 server, and the peak RSS of the case's own first process.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const TICK = 100; // CLK_TCK on Linux
const SAMPLE_MS = 100;

/** Reads /proc/<pid>/stat: program name, parent, CPU seconds (user + system). */
function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    return { comm, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK, start: f[19] };
  } catch {
    return undefined;
  }
}

function peakRssKb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function pids() {
  return readdirSync('/proc')
    .filter((n) => n.charCodeAt(0) <= 57)
    .map(Number);
}

/**
 * Watches processes: every descendant of `roots` (a process keeps the group it was first seen in),
 * keeping each one's last CPU reading; `baseline` is subtracted for processes that existed before.
 */
class Watcher {
  constructor(groups) {
    this.groups = groups; // [{ name, root }]
    this.seen = new Map(); // pid -> { group, comm, cpu, base, start }
    this.gone = []; // processes whose pid was reused
  }

  sample(initial = false) {
    for (const pid of pids()) {
      // Every process is read every time: pids are reused quickly on a busy machine.
      const s = readStat(pid);
      if (!s) continue;
      const known = this.seen.get(pid);
      if (known?.start === s.start) {
        known.cpu = s.cpu;
        continue;
      }
      if (known) this.gone.push(known);
      const group = this.groupOf(pid, s.ppid);
      if (group === undefined) continue;
      this.seen.set(pid, {
        group,
        comm: s.comm,
        cpu: s.cpu,
        base: initial ? s.cpu : 0,
        start: s.start,
      });
    }
  }

  groupOf(pid, ppid) {
    for (const g of this.groups) if (g.root === pid) return g.name;
    return this.seen.get(ppid)?.group;
  }

  /** CPU seconds by program: the case's own programs by name, the others by group. */
  cpuByProgram(caseGroup) {
    const out = {};
    for (const p of [...this.gone, ...this.seen.values()]) {
      const name = p.group === caseGroup ? programName(p.comm) : p.group;
      out[name] = (out[name] ?? 0) + Math.max(0, p.cpu - p.base);
    }
    for (const k of Object.keys(out)) out[k] = Number(out[k].toFixed(2));
    return out;
  }
}

function programName(comm) {
  if (comm.startsWith('node') || comm === 'MainThread' || comm.startsWith('libuv')) return 'node';
  return comm;
}

/**
 * Runs `cmd args` and measures it; `watch` names other process roots whose CPU during the run
 * counts too (e.g. `{ postgres: postmasterPid, s3rver: pid }`).
 */
export function measure(
  cmd,
  args,
  /** @type {{env: NodeJS.ProcessEnv, cwd?: string, watch?: Record<string, number>}} */ {
    env,
    cwd,
    watch = {},
  },
) {
  return new Promise((resolve, reject) => {
    const groups = Object.entries(watch).map(([name, root]) => ({ name, root }));
    const watcher = new Watcher(groups);
    watcher.sample(true);
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    watcher.groups.push({ name: 'case', root: child.pid });
    let out = '';
    let err = '';
    let peakKb = 0;
    const poll = setInterval(() => {
      watcher.sample();
      peakKb = Math.max(peakKb, peakRssKb(child.pid));
    }, SAMPLE_MS);
    child.stdout.on('data', (d) => (out = (out + d).slice(-200_000)));
    child.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      watcher.sample();
      const cpu = watcher.cpuByProgram('case');
      if (code !== 0) {
        const errors = out.split('\n').filter((l) => l.startsWith('::error'));
        reject(new Error(`${cmd} exited ${code}: ${errors.join(' ')} ${err.slice(-800)}`));
      } else resolve({ seconds, peakRssMb: Math.round(peakKb / 1024), cpu, stdout: out });
    });
  });
}

// The benchmark's table: medians per case, the ratio to its bare counterpart, database bytes per
// second, peak RSS and CPU seconds per program.

const PROGRAMS = ['node', 'pg_dump', 'pg_restore', 'psql', 'postgres', 'gzip', 's3rver'];
// The client side of a case: what the action adds is measured on these (not the servers).
const CLIENT = ['node', 'pg_dump', 'pg_restore', 'psql', 'gzip'];

function clientCpu(cpu) {
  return CLIENT.reduce((sum, p) => sum + (cpu[p] ?? 0), 0);
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median over rounds of this case's time / its counterpart's time in the same round: robust to
 * load that drifts during the run (the cases alternate, so each pair ran minutes apart at most).
 */
export function pairedRatio(runs, baseRuns) {
  const n = Math.min(runs.length, baseRuns?.length ?? 0);
  if (n === 0) return undefined;
  const ratios = runs.slice(0, n).map((r, i) => r.seconds / baseRuns[i].seconds);
  return Number(median(ratios).toFixed(3));
}

/** One row per case: median wall time, its spread, ratio to `base`, throughput, RSS, CPU. */
export function summarize(cases, samples, dbSize) {
  const medians = Object.fromEntries(
    cases.map((c) => [c.id, median(samples[c.id].map((s) => s.seconds))]),
  );
  const rows = cases.map((c) => {
    const runs = samples[c.id];
    const seconds = medians[c.id];
    const cpu = {};
    for (const p of new Set(runs.flatMap((r) => Object.keys(r.cpu))))
      cpu[p] = Number(median(runs.map((r) => r.cpu[p] ?? 0)).toFixed(2));
    return {
      id: c.id,
      title: c.title,
      base: c.base,
      medianSeconds: Number(seconds.toFixed(2)),
      runs: runs.map((r) => Number(r.seconds.toFixed(2))),
      ratio: c.base && medians[c.base] ? Number((seconds / medians[c.base]).toFixed(3)) : undefined,
      pairedRatio: c.base ? pairedRatio(runs, samples[c.base]) : undefined,
      databaseMiBPerSecond: Number((dbSize / seconds / 2 ** 20).toFixed(1)),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      cpuSeconds: cpu,
      progressLines: Math.max(...runs.map((r) => r.progressLines ?? 0)),
    };
  });
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  for (const r of rows) {
    const base = byId[r.base];
    if (!base) continue;
    const added = clientCpu(r.cpuSeconds) - clientCpu(base.cpuSeconds);
    r.addedCpuSecondsPerGiB = Number((added / (dbSize / 2 ** 30)).toFixed(2));
  }
  return rows;
}

/** Prints the rows as a Markdown table (what docs/performance.md quotes). */
export function printTable(rows, log) {
  const cpuCols = PROGRAMS.filter((p) => rows.some((r) => r.cpuSeconds[p]));
  log('');
  log(
    `| case | median s | runs | ratio of medians | paired ratio | DB MiB/s | peak RSS MB | CPU s: ${cpuCols.join(' / ')} | client CPU s/GiB added |`,
  );
  log(`|---|---:|---|---:|---:|---:|---:|---|---:|`);
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '1 (floor)' : `${r.ratio.toFixed(2)}× ${r.base}`;
    const paired = r.pairedRatio === undefined ? '' : `${r.pairedRatio.toFixed(2)}×`;
    const cpu = cpuCols.map((p) => (r.cpuSeconds[p] ?? 0).toFixed(1)).join(' / ');
    const added = r.addedCpuSecondsPerGiB === undefined ? '' : r.addedCpuSecondsPerGiB.toFixed(2);
    log(
      `| ${r.id} ${r.title.replace(/\|/g, '\\|')} | ${r.medianSeconds.toFixed(2)} | ${r.runs.join(', ')} | ${ratio} | ${paired} | ${r.databaseMiBPerSecond} | ${r.peakRssMb} | ${cpu} | ${added} |`,
    );
  }
}

/** The targets, each with the measured value (paired ratios when the samples are given). */
const TARGETS = [
  { what: 'n2 defaults / n1 bare pg_dump, network-bound', at: ['n2', 'n1'], max: 1.03 },
  { what: 'n3 age / n1 bare pg_dump, network-bound', at: ['n3', 'n1'], max: 1.05 },
  { what: 'c defaults / a bare pg_dump', at: ['c', 'a'], max: 1.08 },
  { what: 'd verify none / a', at: ['d', 'a'], max: 1.03 },
  { what: 'e age / a', at: ['e', 'a'], max: 1.1 },
  { what: 'f local S3 / c the same to a directory', at: ['f', 'c'], max: 1.1 },
  { what: 'b pg_dump | gzip / c defaults (faster by)', at: ['b', 'c'], min: 4 },
  { what: 'g2 directory jobs 2 / g1 pg_dump -Fd -j2', at: ['g2', 'g1'], max: 1.1 },
  { what: 'h2 restore / h1 pg_restore -d', at: ['h2', 'h1'], max: 1.05 },
  { what: 'h4 restore jobs 2 / h3 pg_restore -j2', at: ['h4', 'h3'], max: 1.05 },
];

/** Evaluates the targets whose cases ran; peak RSS ≤ 150 MB in every case. */
export function targets(rows, samples) {
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  const out = [];
  for (const t of TARGETS) {
    const [x, y] = t.at.map((id) => byId[id]);
    if (!x || !y) continue;
    const value = samples
      ? pairedRatio(samples[x.id], samples[y.id])
      : Number((x.medianSeconds / y.medianSeconds).toFixed(3));
    const met = t.max !== undefined ? value <= t.max : value >= t.min;
    out.push({
      target: t.what,
      limit: t.max !== undefined ? `<= ${t.max}` : `>= ${t.min}`,
      value,
      met,
    });
  }
  for (const r of rows.filter((row) => row.base)) {
    const limit = 150;
    if (r.id === 'b') continue;
    out.push({
      target: `${r.id} peak RSS MB`,
      limit: `<= ${limit}`,
      value: r.peakRssMb,
      met: r.peakRssMb <= limit,
    });
  }
  return out;
}

/** Prints the targets as a Markdown table. */
export function printTargets(list, log) {
  log('');
  log('| target | limit | measured | met |');
  log('|---|---|---:|---|');
  for (const t of list)
    log(
      `| ${t.target.replace(/\|/g, '\\|')} | ${t.limit} | ${t.value} | ${t.met ? 'yes' : 'no'} |`,
    );
}

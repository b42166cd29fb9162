import { describeAnomalies } from '../catalog/anomalies.js';
import type { Manifest } from '../catalog/manifest.js';

/** `anomalies: rows-dropped, empty`, `retention on hold since app-…`: what the line must not hide. */
export function anomalyFacts(m: Manifest): string[] {
  const flags = m.anomalies?.length ? [`anomalies: ${describeAnomalies(m.anomalies)}`] : [];
  return [...flags, ...(m.hold ? [`retention on hold since ${m.hold.since}`] : [])];
}

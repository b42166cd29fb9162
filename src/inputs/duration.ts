import { InputError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const WHOLE = /^(?:\d+(?:min|[smhdw]))+$/;
const PART = /(\d+)(min|[smhdw])/g;
const MAX_MS = 100 * 365 * 86_400_000;
const EXAMPLES = 'e.g. 26h, 90m, 2d, 1w or 3600s';
const FORMS = `use a whole number and a unit (s, m or min, h, d, w), ${EXAMPLES}; parts may combine, as in 1d12h.`;

/**
 * A duration such as `26h`, `90m`, `2d`, `1w`, `3600s` or a combination like `1d12h`, in
 * milliseconds (units: s seconds, m or min minutes, h hours, d days, w weeks). Fails with an InputError
 * naming `input` on anything else, on zero and on durations beyond 100 years.
 */
export function parseDuration(input: string, raw: string): number {
  const value = raw.trim();
  if (!WHOLE.test(value)) throw new InputError(input, `'${raw}' is not a duration: ${FORMS}`);
  let ms = 0;
  for (const [, count, unit] of value.matchAll(PART))
    ms += Number(count) * (UNIT_MS[unit ?? ''] ?? 0);
  if (ms <= 0)
    throw new InputError(input, `'${raw}' is zero: give a positive duration, ${EXAMPLES}.`);
  if (ms > MAX_MS) throw new InputError(input, `'${raw}' is longer than 100 years: ${FORMS}`);
  return ms;
}

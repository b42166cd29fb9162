// The SQL filter is linear in its input however long a line is: a line's bytes are passed on as
// they come (or, for a line a rule may edit, joined once at its newline), never re-joined for
// every chunk. Measured by counting the bytes Buffer.concat copies, not by time.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SqlFilter } from '../../../src/pipeline/sql-filter.js';
import { chunksOf, collect } from '../../helpers/unit-support.js';

const realConcat = Buffer.concat.bind(Buffer);
const original = Object.getOwnPropertyDescriptor(Buffer, 'concat') as PropertyDescriptor;
let copied = 0;

beforeEach(() => {
  copied = 0;
  Buffer.concat = (list: readonly Uint8Array[], totalLength?: number) => {
    const joined = realConcat(list, totalLength);
    copied += joined.length;
    return joined;
  };
});

afterEach(() => {
  Object.defineProperty(Buffer, 'concat', original);
});

/** The filter's output for `data` written in chunks of `size`, with the restore's rules. */
async function filtered(data: Buffer, size: number): Promise<Buffer> {
  const filter = new SqlFilter({
    knownSettings: new Set(['search_path']),
    dropOwners: true,
    dropPrivileges: true,
    cascadeClean: true,
    dropTransactionControl: true,
    refuseMetaCommands: true,
  });
  const out = collect(filter);
  for (const chunk of chunksOf(data, size)) filter.write(chunk);
  filter.end();
  return out;
}

/** 1 MiB of text with the bytes SQL cares about: quotes, dollars, backslashes (escaped in COPY). */
function longValue(quote: string): string {
  const piece = `0123456789abcdef${quote}${quote}$1 -- /* ä `;
  return piece.repeat(Math.ceil((1 << 20) / piece.length));
}

describe('SqlFilter: a long line', () => {
  const copyLine = `a\\\\b\\n${longValue('"')}`;
  const cases: [string, string][] = [
    ['COPY data', `COPY public.t (v) FROM stdin;\n${copyLine}\n\\.\nSELECT 1;\n`],
    ['an INSERT', `INSERT INTO t VALUES ('${longValue("'")}');\nSELECT 1;\n`],
    ['a COMMENT', `COMMENT ON TABLE t IS '${longValue("'")}';\n`],
    ['a function body', `CREATE FUNCTION f() RETURNS text AS $_$${longValue("'")}$_$;\n`],
  ];

  it.each(cases)('%s passes through unchanged, copied linearly', async (_n, text) => {
    const data = Buffer.from(text);
    for (const size of [61, 4096]) {
      copied = 0;
      const out = await filtered(data, size);
      expect(out.equals(data)).toBe(true);
      // collect() joins the output once; the filter joins only the pieces of each chunk it
      // passes on. Re-joining the open line for every chunk copied about length² / (2 × size).
      expect(copied).toBeLessThanOrEqual(2 * data.length);
    }
  });

  it('a line a rule may edit is joined once, at its newline', async () => {
    const owner = `ALTER TABLE t ALTER COLUMN v SET DEFAULT '${longValue("'")}';\n`;
    const data = Buffer.from(`${owner}ALTER TABLE t OWNER TO app;\n`);
    const out = await filtered(data, 61);
    expect(out.toString()).toBe(owner);
    expect(copied).toBeLessThanOrEqual(3 * data.length);
  });
});

// The log outside GitHub Actions: workflow commands become a command-line tool's lines.
import { describe, expect, it, jest } from '@jest/globals';
import * as core from '@actions/core';
import { plainChunk, plainLine, unescapeData, usePlainLog } from '../../src/log.js';

describe('plainLine', () => {
  it.each([
    [
      '::group::Dump, verify and store app.dump',
      { text: '==> Dump, verify and store app.dump', stream: 'stdout' },
    ],
    ['::error::Input %25 bad%0Anext', { text: 'Error: Input % bad\nnext', stream: 'stderr' }],
    ['::error title=x,file=a::msg', { text: 'Error: msg', stream: 'stderr' }],
    ['::warning::/ as %252F', { text: 'Warning: / as %2F', stream: 'stderr' }],
    ['::notice::Backed up app', { text: 'Notice: Backed up app', stream: 'stdout' }],
    ['::info::local-action%25s line', { text: 'local-action%s line', stream: 'stdout' }],
    ['plain text', { text: 'plain text', stream: 'stdout' }],
    [':: not a command', { text: ':: not a command', stream: 'stdout' }],
  ])('%s', (line, expected) => {
    expect(plainLine(line)).toEqual(expected);
  });

  it.each([
    '::endgroup::',
    '::add-mask::secret',
    '::save-state name=workspace::/tmp/x',
    '::set-output name=id::x',
    '::debug::hidden',
  ])('drops %s', (line) => {
    expect(plainLine(line)).toBeUndefined();
  });

  it('shows debug lines when asked', () => {
    expect(plainLine('::debug::a%0Ab', true)).toEqual({ text: 'Debug: a\nb', stream: 'stdout' });
  });
});

describe('unescapeData', () => {
  it('undoes exactly what @actions/core escapes', () => {
    for (const text of ['%2F', '%250A', '100%\r\n%0A%', 'plain'])
      expect(
        unescapeData(text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')),
      ).toBe(text);
  });
});

describe('plainChunk', () => {
  it('splits a chunk of lines between stdout and stderr', () => {
    expect(plainChunk('::group::A\ninfo\n::error::bad\n::endgroup::\n')).toEqual({
      stdout: '==> A\ninfo\n',
      stderr: 'Error: bad\n',
    });
  });

  it('leaves a chunk without commands alone', () => {
    expect(plainChunk('a :: b\n')).toEqual({ stdout: 'a :: b\n', stderr: '' });
  });
});

describe('usePlainLog', () => {
  it('turns what @actions/core prints into plain lines until it is undone', () => {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((c: string | Uint8Array) => {
        out.push(String(c));
        return true;
      });
    const stderr = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation((c: string | Uint8Array) => {
        err.push(String(c));
        return true;
      });
    try {
      const undo = usePlainLog({});
      core.startGroup('Phase');
      core.info('50% done');
      core.setSecret('hunter2');
      core.endGroup();
      core.error('use / as %2F');
      undo();
      core.warning('after');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(out.join('')).toBe('==> Phase\n50% done\n::warning::after\n');
    expect(err.join('')).toBe('Error: use / as %2F\n');
  });
});

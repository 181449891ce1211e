import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { CommandIO } from '../../src/cli/command.js';
import { commands } from '../../src/cli/commands.js';
import { main } from '../../src/cli/main.js';

function capture(): CommandIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

describe('cellmask CLI', () => {
  it('lists every command in --help', async () => {
    const io = capture();
    assert.equal(await main(['--help'], io), 0);
    for (const c of commands) assert.match(io.out, new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  it('prints each command its own --help and exits 0', async () => {
    for (const c of commands) {
      const io = capture();
      assert.equal(await main([c.name, '--help'], io), 0, c.name);
      assert.equal(io.out, c.help, c.name);
      assert.match(c.help, new RegExp(`cellmask ${c.name}`), `${c.name}'s help names it`);
    }
  });

  it('rejects an unknown command and unknown options on stderr with a non-zero exit', async () => {
    const unknown = capture();
    assert.equal(await main(['frobnicate'], unknown), 2);
    assert.match(unknown.err, /unknown command "frobnicate"/);
    assert.equal(unknown.out, '');
    for (const c of commands) {
      const io = capture();
      assert.equal(await main([c.name, '--no-such-option'], io), 2, c.name);
      assert.match(io.err, /no-such-option/, c.name);
    }
  });

  it('runs as the built bin with the exit code on the process', { skip: !existsSync(new URL('../../dist/cli/main.js', import.meta.url)) && 'dist/ not built (npm run build)' }, () => {
    const bin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const ok = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.equal(ok.status, 0);
    assert.match(ok.stdout, /Usage: cellmask <command>/);
    const bad = spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command/);
  });
});

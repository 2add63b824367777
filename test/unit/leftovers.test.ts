import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../helpers/sf.js';
import { privateKeysUnder, removeDeadRunRoots, RUN_PREFIX, tempDir } from '../helpers/temp.js';

type FixtureRun = { code: number | null; signal: NodeJS.Signals | null; output: string; root: string };

/** Runs test/helpers/leftovers.fixture.ts in a mocha run of its own, as `npm test` runs test files. */
const runFixture = (fixture: 'clean' | 'leaves' | 'stopped', stopWith?: NodeJS.Signals): Promise<FixtureRun> =>
  new Promise((done, fail) => {
    const mocha = join(REPO_ROOT, 'node_modules', 'mocha', 'bin', '_mocha');
    const args = [
      '--import',
      'tsx',
      mocha,
      '--no-config',
      '--require',
      'test/helpers/env.ts',
      '--timeout',
      '120000',
      'test/helpers/leftovers.fixture.ts',
    ];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, FIXTURE: fixture },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (text: string): void => {
      output += text;
      if (stopWith && output.includes('waiting\n') && child.exitCode === null && !child.killed) child.kill(stopWith);
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    child.on('error', fail);
    child.on('close', (code, signal) =>
      done({ code, signal, output, root: /^run root: (.*)$/m.exec(output)?.[1] ?? '' }),
    );
  });

describe('temp files of a test run', () => {
  it('puts the run, and the processes it starts, in a temp directory of its own', async () => {
    expect(tmpdir()).to.match(new RegExp(`${RUN_PREFIX}${process.pid}-`));
    const child = await new Promise<string>((done) => {
      const node = spawn(process.execPath, ['-p', 'require("node:os").tmpdir()'], {
        env: { ...process.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      node.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
      node.on('close', () => done(out.trim()));
    });
    expect(child).to.equal(tmpdir());
  });

  it('removes the folders a test file made with tempDir after that file, and the run root when the run ends', async () => {
    const run = await runFixture('clean');
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.include('2 passing');
    expect(run.root.startsWith(join(tmpdir(), RUN_PREFIX))).to.equal(true);
    expect(existsSync(run.root)).to.equal(false);
  });

  it('fails a test file that leaves private keys behind, naming the file and the keys, and still removes them', async () => {
    const run = await runFixture('leaves');
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.match(
      /test\/helpers\/leftovers\.fixture\.ts left 2 private key file\(s\) in the temp directory: jwtapp-fixture-left-\w+\/ci\.env, jwtapp-fixture-left-\w+\/server\.key/,
    );
    expect(existsSync(run.root)).to.equal(false);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`removes the run root when the run is stopped with ${signal}`, async () => {
      const run = await runFixture('stopped', signal);
      expect(run.signal, run.output).to.equal(signal);
      expect(run.root).to.not.equal('');
      expect(existsSync(run.root)).to.equal(false);
    });
  }

  it('removes the run roots of runs that died without removing them, and only those', async () => {
    const dir = await tempDir('jwtapp-run-roots-');
    const dead = await new Promise<number>((done) => {
      const node = spawn(process.execPath, ['-e', '']);
      node.on('close', () => done(node.pid ?? 0));
    });
    await mkdir(join(dir, `${RUN_PREFIX}${dead}-abc123`, 'home'), { recursive: true });
    await mkdir(join(dir, `${RUN_PREFIX}${process.pid}-def456`));
    await mkdir(join(dir, 'jwtapp-something-else'));
    removeDeadRunRoots(dir);
    expect(existsSync(join(dir, `${RUN_PREFIX}${dead}-abc123`))).to.equal(false);
    expect(existsSync(join(dir, `${RUN_PREFIX}${process.pid}-def456`))).to.equal(true);
    expect(existsSync(join(dir, 'jwtapp-something-else'))).to.equal(true);
  });

  it('takes no code for a key: the plugin as linked into sf (lib/, a copy of it in each NUT run) is no key', async () => {
    expect(await privateKeysUnder(join(REPO_ROOT, 'src'))).to.deep.equal([]);
    expect(await privateKeysUnder(join(REPO_ROOT, 'lib'))).to.deep.equal([]);
  });
});

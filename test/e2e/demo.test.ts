import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { expect } from 'chai';
import { REPO_ROOT, runNode } from '../helpers/sf.js';
import { tempDir } from '../helpers/temp.js';

/** Runs scripts/demo.ts (what `npm run demo` runs once built) in a temp directory of its own, stopped with Ctrl-C once `until` shows. */
const demoStoppedAfter = (tmp: string, until: RegExp): Promise<{ code: number | null; output: string }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (text: string): void => {
      output += text;
      if (until.test(output) && !child.killed) child.kill('SIGINT');
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
    // A process the demo left running would hold its output open: settle shortly after the demo itself ends.
    child.on('exit', (code) => setTimeout(() => done({ code, output }), 2000).unref());
  });

describe('npm run demo', () => {
  it('shows what sf prints in the order sf printed it, stdout and stderr as one stream, as a terminal does', async () => {
    const home = await tempDir('jwtapp-interleaved-');
    const script =
      'for (let i = 0; i < 300; i++) { process.stdout.write(`out ${i}\\n`); process.stderr.write(`err ${i}\\n`); }';
    let shown = '';
    const run = await runNode(['-e', script], { home, interleaved: (text) => (shown += text) });
    const printed = Array.from({ length: 300 }, (_, i) => `out ${i}\nerr ${i}\n`).join('');
    expect(shown).to.equal(printed);
    expect(run.stdout).to.equal(printed);
  });

  it('shows each step as sf prints it, and removes its HOME, key and logins when stopped with Ctrl-C', async () => {
    const tmp = await tempDir('jwtapp-demo-test-');
    const run = await demoStoppedAfter(tmp, /--dry-run\n[\s\S]*\(exit code 0\)\n/);
    expect(run.code, run.output).to.equal(130);
    // The emulator it started is stopped too.
    const instanceUrl = /"instanceUrl":"([^"]+)"/.exec(run.output)?.[1] ?? '';
    expect(instanceUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await fetch(`${instanceUrl}/__emulator/state`).then(
      (r) => `answered ${r.status}`,
      () => 'refused',
    );
    expect(answer).to.equal('refused');
    // The dry run's progress (sf writes it to stderr) comes before the plan it leads to (stdout), as in a terminal.
    const dryRun = run.output.slice(run.output.indexOf('--dry-run\n'));
    expect(dryRun.indexOf('Reading'), dryRun).to.be.greaterThan(-1);
    expect(dryRun.indexOf('Reading'), dryRun).to.be.lessThan(dryRun.indexOf('Dry run'));
    expect(run.output).to.match(
      /demo stopped \(SIGINT\)\n\nRemoved the demo's files \(.*jwtapp-demo-\w+: sf's logins, the key, jitterbit\.env\)\. To keep them: npm run demo -- --keep\n$/,
    );
    // All but tsx's compile cache (tsx-<uid>), which tsx keeps between runs on purpose.
    expect((await readdir(tmp)).filter((name) => !name.startsWith('tsx-'))).to.deep.equal([]);
  });
});

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { nutBench } from '../helpers/nut.js';
import type { SfOptions, SfRun } from '../helpers/sf.js';
import { tempDir } from '../helpers/temp.js';

/**
 * Rotations as pipelines run them, through the real sf: several at once on one key folder, and one cut off
 * (a CI cancel, a lost runner) at any point. Whatever happens, the key in the folder must end up signing for
 * the certificate the app holds, by itself: the next routine run repairs what an interrupted one left.
 */
describe('rotations at once and interrupted, through the real sf', () => {
  const nut = nutBench();
  let dir: string;
  let username: string;

  const sf = (args: string[], onSpawn?: SfOptions['onSpawn']): Promise<SfRun> =>
    nut.sf([...args, '--json'], { onSpawn });
  const rotate = (onSpawn?: SfOptions['onSpawn']): Promise<SfRun> =>
    sf(
      [
        'jwtapp',
        'cert',
        'rotate',
        '--target-org',
        'emu',
        '--name',
        'Turn_App',
        '--username',
        username,
        '--output-dir',
        dir,
        '--wait',
        '1',
      ],
      onSpawn,
    );
  const setup = (): Promise<SfRun> =>
    sf(['jwtapp', 'setup', '--target-org', 'emu', '--name', 'Turn_App', '--username', username, '--output-dir', dir]);
  const folderMatchesApp = async (): Promise<boolean> => {
    const held = (await nut.emu.state()).apps.find((a) => a.name === 'Turn_App')?.certificate ?? '';
    const key = createPrivateKey(await readFile(join(dir, 'server.key'), 'utf8'));
    return (
      new X509Certificate(held).checkPrivateKey(key) &&
      new X509Certificate(await readFile(join(dir, 'server.crt'), 'utf8')).checkPrivateKey(key)
    );
  };

  before(async () => {
    username = nut.integration;
    dir = join(await tempDir('jwtapp-turns-'), 'keys');
    const made = await setup();
    expect(made.status, made.stdout + made.stderr).to.equal(0);
  });

  it('four rotations at once on one folder take turns, and the key on disk matches the app', async function () {
    this.timeout(240_000);
    const runs = await Promise.all([1, 2, 3, 4].map(() => rotate()));
    for (const [i, run] of runs.entries()) expect(run.status, `run ${i + 1}: ${run.stdout}${run.stderr}`).to.equal(0);
    expect(await folderMatchesApp()).to.equal(true);
    const waited = runs.filter((r) =>
      (r.json?.warnings ?? []).some((w) => w.includes('waiting for it to finish')),
    ).length;
    process.stdout.write(`      four rotations at once: 4 exited 0, ${waited} waited for the folder\n`);
    // Each run kept the pair before it: four dated pairs, all different.
    const kept = (await readdir(dir)).filter((f) => /^server-.*\.key$/.test(f));
    expect(new Set(await Promise.all(kept.map((f) => readFile(join(dir, f), 'utf8')))).size).to.equal(4);
  });

  it('a rotation killed at any point is repaired by the next routine run, which then changes nothing', async function () {
    // Five rotations and five setups through sf, each SIGKILL's lock taken over after 10 s.
    this.timeout(300_000);
    // Slow enough that the kills land before, during and after the upload and the login check.
    await nut.emu.setLatency(150, 500);
    const outcomes: string[] = [];
    const points: Array<{ afterSwitchMs: number; signal: NodeJS.Signals }> = [
      { afterSwitchMs: 0, signal: 'SIGKILL' },
      { afterSwitchMs: 300, signal: 'SIGTERM' },
      { afterSwitchMs: 900, signal: 'SIGKILL' },
      { afterSwitchMs: 1300, signal: 'SIGINT' },
      { afterSwitchMs: 1700, signal: 'SIGTERM' },
    ];
    for (const point of points) {
      // The switch has begun once the run has kept the current pair as a dated copy: then the kill comes,
      // `afterSwitchMs` later.
      // eslint-disable-next-line no-await-in-loop
      const keptBefore = (await readdir(dir)).filter((f) => /^server-.*\.key$/.test(f)).length;
      // eslint-disable-next-line no-await-in-loop
      const killed = await rotate((child) => {
        const watch = setInterval(() => {
          void readdir(dir).then((files) => {
            if (files.filter((f) => /^server-.*\.key$/.test(f)).length <= keptBefore) return;
            clearInterval(watch);
            setTimeout(() => child.kill(point.signal), point.afterSwitchMs);
          });
        }, 20);
        child.on('exit', () => clearInterval(watch));
      });
      // What the killed run had sent is answered (and logged) after the played latency: let it land first.
      // eslint-disable-next-line no-await-in-loop
      await new Promise((settle) => setTimeout(settle, 1500));
      // eslint-disable-next-line no-await-in-loop
      await nut.emu.clearRequests();
      // eslint-disable-next-line no-await-in-loop
      const next = await setup();
      expect(next.status, `after ${point.signal} at +${point.afterSwitchMs} ms: ${next.stdout}${next.stderr}`).to.equal(
        0,
      );
      // The repair is local: the folder takes the pair the app holds. Nothing is uploaded (an upload here would
      // be whatever pair the kill left on disk, unverified, in place of the one the pipeline uses).
      expect(
        (next.json?.result as { status?: string }).status,
        `after ${point.signal} at +${point.afterSwitchMs} ms`,
      ).to.equal('unchanged');
      // eslint-disable-next-line no-await-in-loop
      expect(await nut.emu.writes(), `after ${point.signal} at +${point.afterSwitchMs} ms`).to.deep.equal([]);
      // eslint-disable-next-line no-await-in-loop
      expect(await folderMatchesApp(), `after ${point.signal} at +${point.afterSwitchMs} ms`).to.equal(true);
      // eslint-disable-next-line no-await-in-loop
      expect(await readdir(dir)).to.not.include('.jwtapp-switch.json');
      const repaired = (next.json?.warnings ?? []).find((w) => w.includes('was interrupted'));
      outcomes.push(
        `${point.signal}@+${point.afterSwitchMs}ms: exit ${killed.status}, ${repaired ? (repaired.includes('put back') ? 'rolled back' : 'kept the new pair') : 'nothing to repair'}`,
      );
    }
    process.stdout.write(
      `      interrupted rotations, each repaired by the next setup:\n${outcomes.map((o) => `        ${o}`).join('\n')}\n`,
    );
    await nut.emu.setLatency(0);
  });
});

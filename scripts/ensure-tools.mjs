// Before `npm test`: the Promela tests run Spin (Debian package `spin`, with gcc). As root on a
// Debian machine a missing Spin is installed from Debian's archive, as the kernel tree is for
// `npm run kernel`; otherwise the test that needs it says how to install it.
import { spawnSync } from 'node:child_process';

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (!onPath('spin') && onPath('apt-get') && process.getuid?.() === 0) {
  console.error('pretest: installing Debian\'s spin (apt-get install -y spin) for test/promela');
  const opts = { stdio: ['ignore', 'ignore', 'inherit'] };
  if (spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'spin'], opts).status !== 0) {
    spawnSync('apt-get', ['update'], opts);
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'spin'], opts);
  }
}

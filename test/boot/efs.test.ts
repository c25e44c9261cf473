// `panintelligence-boot mount-efs` and `share-dirs`, run in a scratch directory. share-dirs runs
// for real in a private mount namespace (unshare, as root), where a directory bound onto itself
// stands in for the EFS mount: its content stays on disk for the assertions, and every mount
// disappears with the namespace.
import * as fs from 'fs';
import * as path from 'path';
import {
  FILE_SYSTEM_ID,
  heredocBody,
  installRenderedHelper,
  makeTempDir,
  permissions,
  REGION,
  renderUserDataText,
  run,
  writeExecutable,
} from './harness';

const OWNER = [4242, 4343];
const SHARED = ['images', 'themes', 'excel', 'svg', 'keys'];

let dir: string;
let helper: string;

beforeEach(() => {
  dir = makeTempDir('efs');
  helper = installRenderedHelper(dir);
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(file: string, content: string, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf-8');
}

describe('mount-efs', () => {
  let bin: string;
  let env: Record<string, string>;
  const efsMount = () => path.join(dir, 'mnt', 'efs');
  const fstab = () => path.join(dir, 'fstab');
  const calls = (name: string) => (fs.existsSync(path.join(dir, `${name}.log`)) ? read(path.join(dir, `${name}.log`)).trim().split('\n') : []);

  beforeEach(() => {
    bin = path.join(dir, 'bin');
    // Stand-ins for the commands that touch the system; each records its arguments.
    const stub = (name: string, body: string) =>
      writeExecutable(path.join(bin, name), `#!/bin/bash\nprintf '%s\\n' "$*" >>"${path.join(dir, name)}.log"\n${body}\n`);
    stub('mount', 'exit 0');
    stub('mountpoint', 'exit 1');
    stub('mount.nfs4', 'exit 0');
    stub('apt-get', 'exit 99');
    stub('snap', 'exit 99');
    // The mount target's DNS name resolves at the third lookup, as for a new file system.
    stub('getent', `n=$(wc -l <"${path.join(dir, 'getent.log')}"); ((n >= 3)) || exit 2; echo "10.0.1.23 $2"`);
    write(path.join(dir, 'cdk.env'), heredocBody(renderUserDataText(), 'PI_CDK_ENV'), 0o600);
    write(fstab(), [
      'LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1',
      `old-server:/export ${efsMount()} nfs4 defaults 0 0`,
      `# ${efsMount()} is the shared file system`,
      '',
    ].join('\n'));
    env = {
      // No sbin directories: the host's own mount helpers must not change the outcome.
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
      PI_CDK_CONFIG: path.join(dir, 'cdk.env'),
      PI_EFS_MOUNT: efsMount(),
      PI_FSTAB: fstab(),
      PI_RETRY_DELAY: '0',
    };
  });

  test('without the EFS mount helper: NFSv4.1 by DNS name, waiting for it to resolve', () => {
    const dnsName = `${FILE_SYSTEM_ID}.efs.${REGION}.amazonaws.com`;
    const entry = `${dnsName}:/ ${efsMount()} nfs4 nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev 0 0`;
    for (let i = 0; i < 2; i++) {
      const result = run('bash', [helper, 'mount-efs'], env);
      expect(result.stderr).toContain(`mounted ${dnsName}:/`);
      expect(result.status).toBe(0);
    }
    expect(read(fstab())).toBe([
      'LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1',
      `# ${efsMount()} is the shared file system`,
      entry,
      '',
    ].join('\n'));
    expect(permissions(fstab())).toBe(0o644);
    expect(fs.statSync(efsMount()).isDirectory()).toBe(true);
    expect(calls('getent').slice(0, 3)).toEqual(Array(3).fill(`hosts ${dnsName}`));
    expect(calls('mount')).toEqual(Array(2).fill(`--fstab ${fstab()} ${efsMount()}`));
    expect(calls('apt-get')).toEqual([]);
  });

  test('with the EFS mount helper: TLS, and the helper resolves the name itself', () => {
    writeExecutable(path.join(bin, 'mount.efs'), '#!/bin/bash\nexit 0\n');
    const result = run('bash', [helper, 'mount-efs'], env);
    expect(result.status).toBe(0);
    expect(read(fstab()).split('\n').filter((line) => line.includes(efsMount()) && !line.startsWith('#'))).toEqual([
      `${FILE_SYSTEM_ID}:/ ${efsMount()} efs _netdev,noresvport,tls 0 0`,
    ]);
    expect(calls('getent')).toEqual([]);
    expect(calls('mount')).toEqual([`--fstab ${fstab()} ${efsMount()}`]);
  });

  test('fails when the name never resolves, without mounting', () => {
    writeExecutable(path.join(bin, 'getent'), `#!/bin/bash\nprintf '%s\\n' "$*" >>"${path.join(dir, 'getent.log')}"\nexit 2\n`);
    const result = run('bash', [helper, 'mount-efs'], env);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('does not resolve');
    expect(calls('getent')).toHaveLength(20);
    expect(calls('mount')).toEqual([]);
  });

  test('retries a failing mount, then fails', () => {
    writeExecutable(path.join(bin, 'mount.efs'), '#!/bin/bash\nexit 0\n');
    writeExecutable(path.join(bin, 'mount'), `#!/bin/bash\nprintf '%s\\n' "$*" >>"${path.join(dir, 'mount.log')}"\nexit 32\n`);
    const result = run('bash', [helper, 'mount-efs'], env);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`cannot mount ${FILE_SYSTEM_ID}:/ on ${efsMount()}`);
    expect(calls('mount')).toHaveLength(12);
  });
});

/** Stands in for the EFS mount: bound onto itself in each test's mount namespace. */
const efs = () => path.join(dir, 'efs');

/**
 * Runs `script` as root in a private mount namespace, with `$DIR`, `$EFS`, `$HELPER` and the
 * helper's settings (the rendered config, the test's owner) in its environment.
 */
function inMountNamespace(script: string) {
  return run('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', script], {
    PATH: process.env.PATH ?? '',
    DIR: dir,
    EFS: efs(),
    HELPER: helper,
    PI_CDK_CONFIG: writeConfig(),
    PI_EFS_MOUNT: efs(),
    PI_OWNER: OWNER.join(':'),
  });
}

/** The rendered config, with the test's owner as the owner of the data. */
function writeConfig(): string {
  const file = path.join(dir, 'cdk.env');
  write(file, heredocBody(renderUserDataText({ dataOwner: { uid: OWNER[0], gid: OWNER[1] } }), 'PI_CDK_ENV'), 0o600);
  return file;
}

describe('share-dirs', () => {
  const shared = (...parts: string[]) => path.join(efs(), 'var', 'panintelligence', ...parts);
  const instance = (name: string, ...parts: string[]) => path.join(dir, name, 'var', 'panintelligence', ...parts);

  test('refuses to run when the file system is not mounted', () => {
    fs.mkdirSync(efs());
    const result = run('bash', [helper, 'share-dirs'], {
      PATH: process.env.PATH ?? '',
      PI_CDK_CONFIG: writeConfig(),
      PI_ROOT: instance('a'),
      PI_EFS_MOUNT: efs(),
      PI_FSTAB: path.join(dir, 'fstab'),
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${efs()} is not mounted`);
    expect(fs.readdirSync(efs())).toEqual([]);
  });

  test('the first instance seeds the share; later ones never clobber it; all bind it', () => {
    // The image's content on two instances.
    write(instance('a', 'images', 'logo.png'), 'image a');
    write(instance('a', 'themes', 'piBerry', 'theme.css'), 'image theme');
    write(instance('a', 'keys', 'key.pem'), 'image key', 0o600);
    write(instance('a', 'logs', 'dashboard.log'), 'local log');
    fs.chmodSync(instance('a', 'keys'), 0o700);
    write(instance('b', 'images', 'logo.png'), 'image b');
    write(instance('b', 'images', 'only-b.png'), 'image b');
    // Uploads the sync function wrote before any instance booted (as root).
    write(shared('themes', 'custom', 'theme.css'), 'uploaded theme');
    write(shared('images', 'logo.png'), 'uploaded logo');
    fs.mkdirSync(shared('svg'));
    fs.chmodSync(shared('svg'), 0o775);
    for (const name of ['a', 'b']) {
      write(path.join(dir, `fstab-${name}`), [
        'LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1',
        `fs-1.efs.eu-west-2.amazonaws.com:/ ${efs()} nfs4 nfsvers=4.1,_netdev 0 0`,
        `/old/images ${instance(name, 'images')} none bind 0 0`,
        '',
      ].join('\n'));
    }

    const script = `
set -euo pipefail
mount --bind "$EFS" "$EFS"
boot() { PI_ROOT=$DIR/$1/var/panintelligence PI_FSTAB=$DIR/fstab-$1 bash "$HELPER" share-dirs; }
boot a
boot a
echo "written on a" >"$DIR/a/var/panintelligence/images/new.png"
boot b
for instance in a b; do
  for data in images themes excel svg keys logs; do
    if mountpoint -q "$DIR/$instance/var/panintelligence/$data"; then echo "$instance/$data"; fi
  done
done >"$DIR/mounted"
cp "$DIR/b/var/panintelligence/images/new.png" "$DIR/b-sees-new.png"
TARGET=$DIR/a/var/panintelligence/images awk '$5 == ENVIRON["TARGET"]' /proc/self/mountinfo | wc -l >"$DIR/a-images-mounts"
`;
    const result = inMountNamespace(script);
    if (result.status !== 0) {
      throw new Error(`share-dirs in a mount namespace failed (this test needs root):\n${result.stderr}`);
    }

    // Seeded once from the first instance, keeping what was already shared.
    expect(read(shared('images', 'logo.png'))).toBe('uploaded logo');
    expect(read(shared('themes', 'custom', 'theme.css'))).toBe('uploaded theme');
    expect(read(shared('themes', 'piBerry', 'theme.css'))).toBe('image theme');
    expect(read(shared('keys', 'key.pem'))).toBe('image key');
    expect(permissions(shared('keys', 'key.pem'))).toBe(0o600);
    expect(fs.existsSync(shared('images', 'only-b.png'))).toBe(false);
    expect(fs.existsSync(shared('logs'))).toBe(false);
    expect(fs.readdirSync(shared()).sort()).toEqual([
      '.seed.lock', ...SHARED.map((name) => `.seeded-${name}`), ...SHARED,
    ].sort());

    // Bound, not copied: a write on one instance is seen on the other, and lands on EFS.
    expect(read(path.join(dir, 'mounted')).trim().split('\n')).toEqual([
      ...SHARED.map((name) => `a/${name}`), ...SHARED.map((name) => `b/${name}`),
    ]);
    expect(read(path.join(dir, 'b-sees-new.png'))).toBe('written on a\n');
    expect(read(shared('images', 'new.png'))).toBe('written on a\n');
    expect(read(path.join(dir, 'a-images-mounts')).trim()).toBe('1');
    // Under the mounts, each instance's own files are untouched.
    expect(read(instance('a', 'images', 'logo.png'))).toBe('image a');
    expect(fs.existsSync(instance('a', 'images', 'new.png'))).toBe(false);
    expect(read(instance('a', 'logs', 'dashboard.log'))).toBe('local log');

    // Owned by the dashboard's user, directories 0755; the data root too, so the sync function
    // can make a data directory that no instance has made yet.
    for (const name of [...SHARED, '.']) {
      const stat = fs.statSync(shared(name));
      expect([name, stat.uid, stat.gid, permissions(shared(name))]).toEqual([name, ...OWNER, 0o755]);
    }
    for (const file of [['themes', 'custom', 'theme.css'], ['themes', 'custom'], ['themes', 'piBerry', 'theme.css'], ['images', 'logo.png']]) {
      const stat = fs.statSync(shared(...file));
      expect([file, stat.uid, stat.gid]).toEqual([file, ...OWNER]);
    }

    // In fstab once each, after the file system, replacing a stale entry.
    for (const name of ['a', 'b']) {
      expect(read(path.join(dir, `fstab-${name}`))).toBe([
        'LABEL=cloudimg-rootfs / ext4 discard,errors=remount-ro 0 1',
        `fs-1.efs.eu-west-2.amazonaws.com:/ ${efs()} nfs4 nfsvers=4.1,_netdev 0 0`,
        ...SHARED.map((data) => `${shared(data)} ${instance(name, data)} none bind,_netdev,x-systemd.requires-mounts-for=${efs()} 0 0`),
        '',
      ].join('\n'));
    }
  });
});

/**
 * Links planted on the share, by any client of the file system, before an instance boots: the
 * boot runs as root and must follow none of them. `outside` stands for the instance's own files
 * (`/etc`, `/root`): owned by root, private, and never to be touched.
 */
describe('share-dirs with a link planted on the share', () => {
  const shared = (...parts: string[]) => path.join(efs(), 'var', 'panintelligence', ...parts);
  const outside = (...parts: string[]) => path.join(dir, 'outside', ...parts);

  beforeEach(() => {
    fs.mkdirSync(efs());
    for (const name of ['a', 'b']) write(path.join(dir, `fstab-${name}`), '');
    write(outside('shadow'), 'root only', 0o600);
    fs.mkdirSync(outside('root'), { mode: 0o700 });
    fs.chmodSync(outside('root'), 0o700);
    write(path.join(dir, 'a', 'var', 'panintelligence', 'images', 'logo.png'), 'image');
  });

  /** Owner, mode and content of everything under `outside`, to compare before and after. */
  function outsideState(): string[] {
    return ['', ...fs.readdirSync(outside(), { recursive: true }) as string[]].sort().map((name) => {
      const st = fs.lstatSync(outside(name));
      return `${name} ${st.uid}:${st.gid} ${(st.mode % 0o10000).toString(8)} ${st.isFile() ? fs.readFileSync(outside(name), 'utf-8') : ''}`;
    });
  }

  /**
   * Runs share-dirs for each of `instances` in a mount namespace (`$EFS` bound onto itself stands
   * in for the EFS mount); `between` runs after the first. Returns the result of the last, and
   * which shared directories ended up mounted on it.
   */
  function boot(instances: string[], between = ''): { status: number | null; stderr: string; mounted: string[] } {
    const script = `
set -uo pipefail
mount --bind "$EFS" "$EFS"
boot() { PI_ROOT=$DIR/$1/var/panintelligence PI_FSTAB=$DIR/fstab-$1 bash "$HELPER" share-dirs; }
status=0
for instance in ${instances.join(' ')}; do
  boot "$instance" || status=$?
  if [[ ! -e $DIR/between-done ]]; then
    touch "$DIR/between-done"
    ${between}
  fi
done
for data in images themes excel svg keys; do
  if mountpoint -q "$DIR/$instance/var/panintelligence/$data"; then echo "$data"; fi
done >"$DIR/mounted"
exit "$status"
`;
    const result = inMountNamespace(script);
    if (!fs.existsSync(path.join(dir, 'mounted'))) {
      throw new Error(`share-dirs in a mount namespace did not run (this test needs root):\n${result.stderr}`);
    }
    return { status: result.status, stderr: result.stderr, mounted: read(path.join(dir, 'mounted')).trim().split('\n').filter(Boolean) };
  }

  test.each([
    ['the seed lock, to a root-only file', () => ['.seed.lock', outside('shadow')], '.seed.lock: it is a symbolic link'],
    ['the seed lock, to a file that does not exist yet', () => ['.seed.lock', outside('nologin')], '.seed.lock: it is a symbolic link'],
    ['a seed marker, to a file that does not exist yet', () => ['.seeded-images', outside('nologin')], '.seeded-images: it is a symbolic link'],
    ['a shared directory, to a private directory', () => ['themes', outside('root')], 'themes: it is a symbolic link'],
    ['a link inside a directory not seeded yet', () => [path.join('images', 'evil'), outside('shadow')], 'images: it holds symbolic links'],
    ['the data root, to a private directory', () => ['.', outside('root')], 'var/panintelligence: it is a symbolic link'],
  ])('%s: refused, and nothing outside the share is touched or mounted', (_, link, message) => {
    const [name, target] = link();
    fs.mkdirSync(path.dirname(shared(name)), { recursive: true });
    fs.symlinkSync(target, name === '.' ? shared() : shared(name));
    const before = outsideState();

    const result = boot(['a']);

    expect(result.stderr).toContain(message);
    expect(result.status).not.toBe(0);
    expect(outsideState()).toEqual(before);
    expect(result.mounted).toEqual([]);
  });

  test('a later boot follows no link left inside a shared directory, and binds the share\'s own directories', () => {
    const before = outsideState();
    const result = boot(['a', 'b'], `
ln -s "$DIR/outside/shadow" "$EFS/var/panintelligence/images/shadow.png"
ln -s "$DIR/outside/root" "$EFS/var/panintelligence/themes/private"
`);
    expect(result.stderr).not.toContain('ERROR');
    expect(result.status).toBe(0);
    expect(result.mounted).toEqual(SHARED);
    expect(outsideState()).toEqual(before);
    // The links themselves stay on the share, as planted.
    expect(fs.lstatSync(shared('images', 'shadow.png')).isSymbolicLink()).toBe(true);
  });

  test('a bind mount that is not the share\'s own directory (a link followed at a reboot) is undone and refused', () => {
    const result = boot(['a', 'a'], `
umount "$DIR/a/var/panintelligence/images"
mount --bind "$DIR/outside/root" "$DIR/a/var/panintelligence/images"
`);
    expect(result.stderr).toContain('refusing the bind mount on');
    expect(result.status).not.toBe(0);
    expect(result.mounted).not.toContain('images');
  });
});

describe('align-owner', () => {
  const local = (...parts: string[]) => path.join(dir, 'root', ...parts);
  let bin: string;

  /** Stand-ins for the account tools, with the image's user and group at `uid`:`gid`. */
  function image(uid: number, gid: number, taken: string[] = []) {
    bin = path.join(dir, 'bin');
    const stub = (name: string, body: string) =>
      writeExecutable(path.join(bin, name), `#!/bin/bash\nprintf '%s\\n' "$*" >>"${path.join(dir, name)}.log"\n${body}\n`);
    stub('getent', [
      'case "$1 $2" in',
      `  "group pi-group") echo "pi-group:x:${gid}:" ;;`,
      ...taken.map((t) => `  "${t}") echo "other:x:0:" ;;`),
      '  *) exit 2 ;;',
      'esac',
    ].join('\n'));
    stub('id', `[[ "$*" == "-u pi-user" ]] && echo ${uid}`);
    stub('groupmod', 'exit 0');
    stub('usermod', 'exit 0');
  }

  const calls = (name: string) => (fs.existsSync(path.join(dir, `${name}.log`)) ? read(path.join(dir, `${name}.log`)).trim().split('\n') : []);
  const ownerOf = (file: string) => { const st = fs.lstatSync(file); return [st.uid, st.gid]; };

  function alignOwner() {
    return run('bash', [helper, 'align-owner'], {
      PATH: `${bin}:${process.env.PATH}`,
      PI_CDK_CONFIG: writeConfig(),
      PI_LOCAL_ROOT: local(),
    });
  }

  beforeEach(() => {
    // The image's files of its user and group, a link of theirs, and someone else's.
    write(local('home', 'pi-user', '.profile'), 'profile');
    write(local('opt', 'pi', 'app.jar'), 'jar');
    write(local('opt', 'pi', 'group-only'), 'g');
    write(local('etc', 'passwd'), 'root:x:0:0');
    fs.chownSync(local('home', 'pi-user', '.profile'), 1001, 1001);
    fs.chownSync(local('opt', 'pi', 'app.jar'), 1001, 1001);
    fs.chownSync(local('opt', 'pi', 'group-only'), 0, 1001);
    fs.symlinkSync(local('etc', 'passwd'), local('opt', 'pi', 'passwd-link'));
    fs.lchownSync(local('opt', 'pi', 'passwd-link'), 1001, 1001);
  });

  test('gives pi-user and pi-group the data\'s ids, and their files on this disk follow, links themselves only', () => {
    image(1001, 1001);
    const result = alignOwner();
    expect(result.stderr).toContain(`now have the ids ${OWNER.join(':')} (were 1001:1001)`);
    expect(result.status).toBe(0);
    expect(calls('groupmod')).toEqual([`-g ${OWNER[1]} pi-group`]);
    expect(calls('usermod')).toEqual([`-u ${OWNER[0]} pi-user`]);
    expect(ownerOf(local('home', 'pi-user', '.profile'))).toEqual(OWNER);
    expect(ownerOf(local('opt', 'pi', 'app.jar'))).toEqual(OWNER);
    expect(ownerOf(local('opt', 'pi', 'group-only'))).toEqual([0, OWNER[1]]);
    expect(ownerOf(local('opt', 'pi', 'passwd-link'))).toEqual(OWNER);
    expect(ownerOf(local('etc', 'passwd'))).toEqual([0, 0]);
  });

  test('changes nothing when the image already uses the ids', () => {
    image(OWNER[0], OWNER[1]);
    expect(alignOwner().status).toBe(0);
    expect([calls('groupmod'), calls('usermod')]).toEqual([[], []]);
    expect(ownerOf(local('opt', 'pi', 'app.jar'))).toEqual([1001, 1001]);
  });

  test.each([
    ['the user id', [`passwd ${OWNER[0]}`], `user id ${OWNER[0]} is taken`],
    ['the group id', [`group ${OWNER[1]}`], `group id ${OWNER[1]} is taken`],
  ])('refuses, changing nothing, when %s belongs to someone else', (_, taken, message) => {
    image(1001, 1001, taken);
    const result = alignOwner();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect([calls('groupmod'), calls('usermod')]).toEqual([[], []]);
    expect(ownerOf(local('opt', 'pi', 'app.jar'))).toEqual([1001, 1001]);
  });
});

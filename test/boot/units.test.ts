// `panintelligence-boot install-units` into a scratch directory, with a stand-in systemctl.
import * as fs from 'fs';
import * as path from 'path';
import { installRenderedHelper, makeTempDir, run, writeExecutable } from './harness';

let dir: string;
let systemd: string;

function iniSection(text: string, section: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`[${section}]`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('['));
  return rest.slice(0, end < 0 ? undefined : end).filter((line) => line !== '' && !line.startsWith('#'));
}

beforeAll(() => {
  dir = makeTempDir('units');
  systemd = path.join(dir, 'systemd');
  fs.mkdirSync(systemd);
  writeExecutable(path.join(dir, 'bin', 'systemctl'), `#!/bin/bash\nprintf '%s\\n' "$*" >>"${dir}/systemctl.log"\n`);
  const result = run('bash', [installRenderedHelper(dir), 'install-units'], {
    PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
    PI_SYSTEMD_DIR: systemd,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a oneshot writes the env files before the dashboard, at every start of it', () => {
  const unit = fs.readFileSync(path.join(systemd, 'panintelligence-config.service'), 'utf-8');
  expect(iniSection(unit, 'Unit')).toEqual([
    'Description=Write the Panintelligence env files from AWS Secrets Manager',
    'Wants=network-online.target',
    'After=network-online.target remote-fs.target',
    'Before=panintelligence.service',
  ]);
  // No RemainAfterExit: a restart of the dashboard runs it again.
  expect(iniSection(unit, 'Service')).toEqual([
    'Type=oneshot',
    'ExecStart=/usr/local/sbin/panintelligence-boot configure',
    'TimeoutStartSec=20min',
  ]);
  // Required: when it fails, the dashboard does not start.
  expect(iniSection(unit, 'Install')).toEqual(['RequiredBy=panintelligence.service']);
});

test('the dashboard requires the file system and every shared directory', () => {
  const dropIn = fs.readFileSync(path.join(systemd, 'panintelligence.service.d', '50-cdk-dashboard.conf'), 'utf-8');
  expect(iniSection(dropIn, 'Unit')).toEqual([
    'RequiresMountsFor=/mnt/efs /var/panintelligence/images /var/panintelligence/themes /var/panintelligence/excel /var/panintelligence/svg /var/panintelligence/keys',
  ]);
});

test('systemd reloads and enables both units', () => {
  expect(fs.readFileSync(path.join(dir, 'systemctl.log'), 'utf-8')).toBe(
    'daemon-reload\nenable panintelligence-config.service panintelligence.service\n',
  );
});

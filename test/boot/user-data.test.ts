import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  BOOT_SRC_DIR,
  DATABASE_SECRET_ARN,
  FILE_SYSTEM_ID,
  heredocBody,
  LICENCE_SECRET_ARN,
  PUBLIC_HOST,
  REGION,
  renderUserDataText,
  renderedHelper,
  SIGNAL_RESOURCE,
  STACK_ID,
} from './harness';
import { renderDashboardUserData, USER_DATA_MAX_BYTES } from '../../src/private/boot';
import { GZIP_HEADER, helperScript, PACKED_HELPER_ASSET } from '../../src/private/boot/helper-pack';

const baseOptions = {
  fileSystemId: 'fs-1',
  databaseSecretArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:db-AbCdEf',
  publicHost: 'dashboard.example.com',
};

describe('renderDashboardUserData', () => {
  test('writes the config file from the token values, in a quoted heredoc', () => {
    const text = renderUserDataText();
    expect(text.startsWith('#!/bin/bash\n')).toBe(true);
    expect(text).toContain("(umask 077 && cat >/etc/panintelligence/cdk.env) <<'PI_CDK_ENV'\n");
    expect(heredocBody(text, 'PI_CDK_ENV')).toBe([
      `PI_CDK_REGION=${REGION}`,
      'PI_CDK_URL_SUFFIX=amazonaws.com',
      `PI_CDK_FILE_SYSTEM_ID=${FILE_SYSTEM_ID}`,
      `PI_CDK_DATABASE_SECRET_ARN=${DATABASE_SECRET_ARN}`,
      `PI_CDK_LICENCE_SECRET_ARN=${LICENCE_SECRET_ARN}`,
      `PI_CDK_PUBLIC_HOST=${PUBLIC_HOST}`,
      'PI_CDK_SCHEMA_NAME=dashboard',
      'PI_CDK_STACK_ID=',
      'PI_CDK_SIGNAL_RESOURCE=',
      'PI_CDK_BOOT_BUDGET=',
      'PI_CDK_BOOT_RESERVE=',
      // The ids the sync function writes as: the image's user and group are given them.
      'PI_CDK_DATA_UID=8224',
      'PI_CDK_DATA_GID=8224',
      'PI_CDK_EXCLUSIVE_UPGRADE=',
      'PI_CDK_DATABASE_INSTANCE=',
      '',
    ].join('\n'));
    expect(text).toContain('chmod 0600 /etc/panintelligence/cdk.env\n');
  });

  test('writes where to signal and the boot budget when asked to signal', () => {
    const config = heredocBody(renderUserDataText({ bootBudget: Duration.minutes(12) }), 'PI_CDK_ENV');
    expect(config.split('\n').slice(-9, -5)).toEqual([
      `PI_CDK_STACK_ID=${STACK_ID}`,
      `PI_CDK_SIGNAL_RESOURCE=${SIGNAL_RESOURCE}`,
      'PI_CDK_BOOT_BUDGET=720',
      'PI_CDK_BOOT_RESERVE=90',
    ]);
  });

  test('writes the exclusive upgrade mode and the database instance when given', () => {
    const config = heredocBody(renderUserDataText({ waitForOldVersion: true, databaseInstanceId: 'dashboard-db-1a2b3c' }), 'PI_CDK_ENV');
    expect(config.split('\n').slice(-3)).toEqual([
      'PI_CDK_EXCLUSIVE_UPGRADE=true',
      'PI_CDK_DATABASE_INSTANCE=dashboard-db-1a2b3c',
      '',
    ]);
  });

  test.each([
    ['shorter than the reserve plus two minutes', Duration.seconds(209)],
    ['not whole seconds', Duration.millis(300_500)],
  ])('refuses a boot budget %s', (_, budget) => {
    expect(() => renderDashboardUserData({
      ...baseOptions,
      signal: { stackId: 'arn:aws:cloudformation:eu-west-2:123456789012:stack/S/x', logicalId: 'Asg', budget },
    })).toThrow(/signal\.budget must be a whole number of seconds, at least 210/);
  });

  test('leaves the licence ARN empty when there is no licence secret', () => {
    const config = heredocBody(renderUserDataText({ withLicence: false }), 'PI_CDK_ENV');
    expect(config).toContain('\nPI_CDK_LICENCE_SECRET_ARN=\n');
    expect(config).not.toContain('Licence');
  });

  test('installs the helper as written in src/boot, without its comment lines', () => {
    const text = renderUserDataText();
    const source = fs.readFileSync(path.join(BOOT_SRC_DIR, 'panintelligence-boot.sh'), 'utf-8');
    const expected = source.split('\n').filter((line, i) => i === 0 || !line.trim().startsWith('#')).join('\n');
    expect(renderedHelper(text)).toBe(expected.trimEnd() + '\n');
    expect(text).toContain("base64 -d <<'PI_BOOT_HELPER' | gunzip >/usr/local/sbin/panintelligence-boot\n");
    // Packed: only base64 lines between the delimiters.
    expect(heredocBody(text, 'PI_BOOT_HELPER').trimEnd().split('\n').every((line) => /^[A-Za-z0-9+/=]{1,76}$/.test(line))).toBe(true);
    expect(text).toContain('\nchmod 0755 /usr/local/sbin/panintelligence-boot\n');
  });

  test('runs the first-boot steps after the rendered files, in order', () => {
    const text = renderUserDataText();
    const steps = [
      'set -euo pipefail',
      "<<'PI_CDK_ENV'",
      "<<'PI_BOOT_HELPER'",
      'systemctl stop panintelligence.service',
      '"$boot" mount-efs',
      '"$boot" align-owner',
      '"$boot" share-dirs',
      '"$boot" install-units',
      'systemctl start panintelligence-config.service',
      'systemctl restart --no-block panintelligence.service',
      '"$boot" signal\n',
      'panintelligence first boot: done',
    ].map((step) => text.indexOf(step));
    expect(steps.every((index) => index > 0)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(text).not.toContain('@@RENDERED_FILES@@');
  });

  test('stays within the EC2 user data limit with long values', () => {
    const long = 'x'.repeat(200);
    const userData = renderDashboardUserData({
      signal: { stackId: `arn:aws-us-gov:cloudformation:us-gov-west-1:123456789012:stack/${'s'.repeat(128)}/0a1b2c3d-4e5f-6789-abcd-ef0123456789`, logicalId: 'l'.repeat(255), budget: Duration.hours(1) },
      fileSystemId: 'fs-0123456789abcdef0',
      databaseSecretArn: `arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:${long}-AbCdEf`,
      licenceSecretArn: `arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:${long}-GhIjKl`,
      publicHost: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example.com`,
      region: 'us-gov-west-1',
    });
    const text = new Stack(new App(), 'Size').resolve(userData.render());
    expect(typeof text).toBe('object'); // Aws.URL_SUFFIX is still a token
    const joined = (text['Fn::Join'][1] as any[]).map((p) => (typeof p === 'string' ? p : 'amazonaws.com')).join('');
    expect(Buffer.byteLength(joined)).toBeLessThan(USER_DATA_MAX_BYTES);
  });

  test('returns Linux user data that an instance can take as is', () => {
    const userData = renderDashboardUserData(baseOptions);
    expect(userData).toBeInstanceOf(ec2.UserData);
    expect(new Stack(new App(), 'Plain').resolve(userData.render())).toHaveProperty('Fn::Join');
  });

  test.each([
    ['publicHost', { publicHost: 'a.example.com\nPI_CDK_REGION=x' }],
    ['publicHost', { publicHost: ' a.example.com' }],
    ['publicHost', { publicHost: '' }],
    ['databaseSecretArn', { databaseSecretArn: '' }],
    ['fileSystemId', { fileSystemId: 'fs-1\n' }],
    ['licenceSecretArn', { licenceSecretArn: 'arn\nPI_CDK_ENV' }],
    ['schemaName', { schemaName: 'dash board' }],
  ])('refuses a bad %s', (name, bad) => {
    expect(() => renderDashboardUserData({ ...baseOptions, ...bad })).toThrow(name);
  });

  test('accepts a custom schema name', () => {
    expect(heredocBody(renderUserDataText({ schemaName: 'pi_repo' }), 'PI_CDK_ENV')).toContain('\nPI_CDK_SCHEMA_NAME=pi_repo\n');
  });
});

describe('the same user data from any machine', () => {
  /** The packed helper as the rendered user data carries it. */
  const packedBytes = (text: string) => Buffer.from(heredocBody(text, 'PI_BOOT_HELPER').replace(/\n/g, ''), 'base64');

  test('the helper ships packed with a fixed gzip header: no time, no operating system', () => {
    const packed = fs.readFileSync(PACKED_HELPER_ASSET);
    expect(packed.subarray(0, 10)).toEqual(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]));
    expect(GZIP_HEADER).toEqual(packed.subarray(0, 10));
    // The packed bytes are today's source: a stale asset fails here.
    const source = fs.readFileSync(path.join(BOOT_SRC_DIR, 'panintelligence-boot.sh'), 'utf-8');
    expect(zlib.gunzipSync(packed).toString('utf-8')).toBe(helperScript(source));
  });

  test('rendering compresses nothing: the user data carries the packed bytes as they are', () => {
    const spies = (['gzipSync', 'deflateSync', 'deflateRawSync', 'gzip', 'deflate', 'deflateRaw'] as const)
      // The module object itself (the namespace import is read-only); the code under test reads it live.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      .map((name) => jest.spyOn(require('zlib') as typeof zlib, name).mockName(name));
    try {
      const bytes = packedBytes(renderUserDataText());
      expect(spies.filter((spy) => spy.mock.calls.length > 0).map((spy) => spy.getMockName())).toEqual([]);
      expect(bytes).toEqual(fs.readFileSync(PACKED_HELPER_ASSET));
      // Whatever zlib the synthesizing machine has, the header says the same: OS 255, time 0.
      expect(bytes[9]).toBe(0xff);
      expect(bytes.readUInt32LE(4)).toBe(0);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });

  test('the rendered text is the same under every platform and line-end convention', () => {
    const original = Object.getOwnPropertyDescriptor(process, 'platform')!;
    const texts: string[] = [];
    try {
      for (const platform of ['linux', 'darwin', 'win32']) {
        Object.defineProperty(process, 'platform', { ...original, value: platform });
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const harness = require('./harness') as typeof import('./harness');
          texts.push(harness.renderUserDataText({ bootBudget: Duration.minutes(10) }));
        });
      }
    } finally {
      Object.defineProperty(process, 'platform', original);
    }
    expect(texts).toHaveLength(3);
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).not.toContain('\r');
  });
});

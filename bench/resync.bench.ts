/**
 * Benchmark of the re-sync of many small objects: the bundled handler's `{"resync": true}` of a
 * bucket of N objects of 8 KiB into an empty directory, and a plain loop that lists the bucket
 * a page at a time and streams each object to a file with the same number of GETs in flight,
 * alternately in the same run, each in a process of its own, against the same local S3 server.
 * Reports objects per second and the ratio of the times, and fails when the handler takes more
 * than 1.25 times as long as the plain loop (best round against best round: other work on the
 * machine only ever slows a round down).
 *
 *   npx projen bench                       (runs this after the 1 GiB benchmark)
 *   BENCH_OBJECTS=1000,10000 BENCH_ROUNDS=5 BENCH_CONCURRENCY=16 npx ts-node --transpile-only bench/resync.bench.ts
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_RESYNC_CONCURRENCY } from '../src/private/shared/defaults';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const COUNTS = (process.env.BENCH_OBJECTS ?? '1000,10000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? DEFAULT_RESYNC_CONCURRENCY);
const OBJECT_SIZE = 8 * 1024;
const MAX_TIME_RATIO = 1.25;

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'file-sync', 'sync.lambda', 'index.js');
const WORKER = path.join(__dirname, 'resync-worker.js');

interface Result {
  readonly mode: 'plain' | 'sync';
  readonly objects: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Every regular file below `dir`. */
const countFiles = (dir: string) => (readdirSync(dir, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).length;

async function main(): Promise<void> {
  statSync(BUNDLE); // run `npx projen bundle` first (the bench task does)
  const work = mkdtempSync(path.join(tmpdir(), 'resync-bench-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3') });
  const { port } = await server.run();
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
  const client = new S3Client({
    endpoint: env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const report: Array<Record<string, unknown>> = [];
  let ok = true;
  try {
    for (const count of COUNTS) {
      // A library of images, a hundred to a folder.
      const bucket = `bench-${count}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      console.log(`uploading ${count} objects of ${OBJECT_SIZE / 1024} KiB to s3rver on 127.0.0.1:${port} ...`);
      let next = 0;
      await Promise.all(Array.from({ length: 32 }, async () => {
        for (let i = next++; i < count; i = next++) {
          const key = `images/library-${String(Math.floor(i / 100)).padStart(3, '0')}/image-${String(i).padStart(5, '0')}.png`;
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(OBJECT_SIZE) }));
        }
      }));

      const run = async (mode: 'plain' | 'sync', round: number): Promise<Result> => {
        const target = path.join(work, `${mode}-${count}-${round}`);
        mkdirSync(target);
        const args = mode === 'plain' ? [WORKER, 'plain', bucket, 'images/', target, String(CONCURRENCY)]
          : [WORKER, 'sync', bucket, 'images/', target, String(CONCURRENCY), BUNDLE];
        try {
          const { stdout } = await promisify(execFile)(process.execPath, args, { env, maxBuffer: 1024 * 1024 });
          const result = JSON.parse(stdout.trim().split('\n').pop()!) as Result;
          const files = countFiles(target);
          if (result.objects !== count || files !== count) throw new Error(`${mode}: ${result.objects} objects, ${files} files, not ${count}`);
          return result;
        } finally {
          rmSync(target, { recursive: true, force: true });
        }
      };

      const results: Result[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternate which goes first, so neither always meets a warmer or a busier machine.
        for (const mode of round % 2 ? (['plain', 'sync'] as const) : (['sync', 'plain'] as const)) {
          const result = await run(mode, round);
          results.push(result);
          console.log(`${count} objects, round ${round} ${mode.padEnd(5)} ${(count / result.seconds).toFixed(0).padStart(6)} objects/s`);
        }
      }
      const summary = (mode: 'plain' | 'sync') => {
        const seconds = results.filter(r => r.mode === mode).map(r => r.seconds);
        return {
          bestSeconds: Math.min(...seconds),
          medianSeconds: median(seconds),
          bestPerSecond: count / Math.min(...seconds),
          medianPerSecond: count / median(seconds),
          cpuSecondsPerThousand: median(results.filter(r => r.mode === mode).map(r => r.cpuSeconds)) * 1000 / count,
        };
      };
      const plain = summary('plain');
      const sync = summary('sync');
      const ratio = sync.bestSeconds / plain.bestSeconds;
      const medianRatio = sync.medianSeconds / plain.medianSeconds;
      ok &&= ratio <= MAX_TIME_RATIO;
      report.push({ objects: count, objectBytes: OBJECT_SIZE, concurrency: CONCURRENCY, rounds: ROUNDS, plain, sync, ratio, medianRatio, results });

      console.log('');
      console.log(`${count} objects of ${OBJECT_SIZE / 1024} KiB, ${CONCURRENCY} requests in flight, ${ROUNDS} rounds`);
      console.log('| re-sync                       | best objects/s | median objects/s | CPU s per 1,000 |');
      console.log('|-------------------------------|---------------:|-----------------:|----------------:|');
      for (const [name, s] of [['plain list + streamed GET', plain], ['sync handler (bundle)', sync]] as const) {
        console.log(`| ${name.padEnd(29)} | ${s.bestPerSecond.toFixed(0).padStart(14)} | ${s.medianPerSecond.toFixed(0).padStart(16)} `
          + `| ${s.cpuSecondsPerThousand.toFixed(2).padStart(15)} |`);
      }
      console.log(`handler / plain time: ${ratio.toFixed(2)} best to best (target <= ${MAX_TIME_RATIO}), ${medianRatio.toFixed(2)} median to median`);
      console.log('');
    }
    mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench-results', 'resync.json'), JSON.stringify(report, null, 2));
    if (!ok) {
      console.error('FAILED: the handler\'s re-sync is slower than its target');
      process.exitCode = 1;
    }
  } finally {
    client.destroy();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch(err => {
  console.error(err);
  process.exitCode = 1;
});

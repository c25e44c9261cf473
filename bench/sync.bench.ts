/**
 * Benchmark of the sync handler: copies a 1 GiB object from a local S3 server through the
 * bundled handler, and the same object with a plain streamed GetObject to disk, alternately in
 * the same run, each copy in a process of its own. Reports throughput, the ratio of the two
 * and the peak RSS of each, and fails when the handler misses its targets.
 *
 * Other work on the machine only ever slows a copy down, so the fastest of the rounds is the
 * closest to each copy's own cost: the throughput target is checked on the best round of
 * each, and the medians are reported beside them.
 *
 *   npx projen bench            (bundles the handler first)
 *   BENCH_SIZE_MIB=256 BENCH_ROUNDS=5 npx projen bench
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_SIZE_MIB ?? 1024) * MiB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Targets: the handler must fit the smallest Lambda and keep up with a plain download. */
const MAX_PEAK_RSS = 128 * 1000 * 1000;
const MIN_RATIO = 0.9;

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'file-sync', 'sync.lambda', 'index.js');
const WORKER = path.join(__dirname, 'sync-worker.js');
const BUCKET = 'bench';
const KEY = 'excel-data/bench/one-gib.bin';

interface Result {
  readonly mode: 'get' | 'sync';
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
}

/** Deterministic, incompressible-looking bytes, generated as they are sent. */
function generated(size: number): Readable {
  let sent = 0;
  let counter = 0;
  return new Readable({
    highWaterMark: MiB,
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(MiB, size - sent);
      const block = Buffer.allocUnsafe(n);
      for (let i = 0; i + 32 <= n; i += 32) createHash('sha256').update(`${counter++}`).digest().copy(block, i);
      sent += n;
      this.push(block);
    },
  });
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const mb = (bytes: number) => bytes / 1e6;

async function main(): Promise<void> {
  statSync(BUNDLE); // run `npx projen bundle` first (the bench task does)
  const work = mkdtempSync(path.join(tmpdir(), 'sync-bench-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3'), configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
  try {
    console.log(`uploading ${SIZE / MiB} MiB to s3rver on 127.0.0.1:${port} ...`);
    const client = new S3Client({
      endpoint: env.AWS_ENDPOINT_URL_S3,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: generated(SIZE), ContentLength: SIZE }));
    client.destroy();

    const plainFile = path.join(work, 'plain', 'object.bin');
    const mount = path.join(work, 'mount');
    const syncedFile = path.join(mount, 'var', 'panintelligence', 'excel', 'bench', 'one-gib.bin');
    mkdirSync(path.dirname(plainFile), { recursive: true });
    mkdirSync(mount);

    const run = async (mode: 'get' | 'sync'): Promise<Result> => {
      const args = mode === 'get' ? [WORKER, 'get', BUCKET, KEY, plainFile] : [WORKER, 'sync', BUCKET, KEY, mount, BUNDLE];
      const { stdout } = await promisify(execFile)(process.execPath, args, { env, maxBuffer: MiB });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as Result;
      const file = mode === 'get' ? plainFile : syncedFile;
      if (statSync(file).size !== SIZE) throw new Error(`${mode}: wrote ${statSync(file).size} bytes, not ${SIZE}`);
      return result;
    };

    const results: Result[] = [];
    let digest: string | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which goes first, so neither always meets a warmer or a busier machine.
      for (const mode of round % 2 ? (['get', 'sync'] as const) : (['sync', 'get'] as const)) {
        const result = await run(mode);
        results.push(result);
        console.log(`round ${round} ${mode.padEnd(4)} ${(mb(SIZE) / result.seconds).toFixed(0).padStart(5)} MB/s  peak RSS ${mb(result.peakRssBytes).toFixed(1)} MB`);
        const file = mode === 'get' ? plainFile : syncedFile;
        if (round === 1) {
          // The first copy of each kind is checked byte for byte against the other.
          const d = await sha256(file);
          if (digest && d !== digest) throw new Error('the handler\'s copy differs from the plain download');
          digest = d;
        }
        rmSync(file);
      }
    }

    const summary = (mode: 'get' | 'sync') => {
      const rs = results.filter(r => r.mode === mode);
      return {
        bestMBps: mb(SIZE) / Math.min(...rs.map(r => r.seconds)),
        medianMBps: mb(SIZE) / median(rs.map(r => r.seconds)),
        cpuSecondsPerGiB: median(rs.map(r => r.cpuSeconds)) * (1024 * MiB / SIZE),
        peakRssMB: mb(Math.max(...rs.map(r => r.peakRssBytes))),
      };
    };
    const get = summary('get');
    const sync = summary('sync');
    const ratio = sync.bestMBps / get.bestMBps;
    const medianRatio = sync.medianMBps / get.medianMBps;
    const ok = sync.peakRssMB * 1e6 < MAX_PEAK_RSS && ratio >= MIN_RATIO;

    console.log('');
    console.log(`${SIZE / MiB} MiB object, ${ROUNDS} rounds; peak RSS is the highest of the rounds`);
    console.log('| copy                     | best MB/s | median MB/s | CPU s per GiB | peak RSS (MB) |');
    console.log('|--------------------------|----------:|------------:|--------------:|--------------:|');
    for (const [name, s] of [['plain GetObject to file', get], ['sync handler (bundle)', sync]] as const) {
      console.log(`| ${name.padEnd(24)} | ${s.bestMBps.toFixed(0).padStart(9)} | ${s.medianMBps.toFixed(0).padStart(11)} `
        + `| ${s.cpuSecondsPerGiB.toFixed(2).padStart(13)} | ${s.peakRssMB.toFixed(1).padStart(13)} |`);
    }
    console.log(`handler / plain throughput: ${(ratio * 100).toFixed(1)} % best to best (target >= ${MIN_RATIO * 100} %), `
      + `${(medianRatio * 100).toFixed(1)} % median to median`);
    console.log(`handler peak RSS: ${sync.peakRssMB.toFixed(1)} MB (target < ${MAX_PEAK_RSS / 1e6} MB)`);

    mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench-results', 'sync.json'),
      JSON.stringify({ sizeBytes: SIZE, rounds: ROUNDS, get, sync, ratio, medianRatio, ok, results }, null, 2));
    if (!ok) {
      console.error('FAILED: the handler misses its targets');
      process.exitCode = 1;
    }
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch(err => {
  console.error(err);
  process.exitCode = 1;
});

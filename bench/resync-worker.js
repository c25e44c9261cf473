/*
 * One measured re-sync of a bucket, in a process of its own.
 *   node bench/resync-worker.js plain <bucket> <prefix> <output dir> <concurrency>
 *   node bench/resync-worker.js sync  <bucket> <prefix> <mount path> <concurrency> <handler bundle>
 * `plain` lists the prefix a page at a time and streams each object of the page to a file, with
 * <concurrency> GETs in flight; `sync` runs the handler's re-sync. S3 is reached through
 * AWS_ENDPOINT_URL_S3. Prints one JSON line.
 */
'use strict';
const { createWriteStream, mkdirSync } = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');

async function main() {
  const [mode, bucket, prefix, target, concurrencyArg, bundle] = process.argv.slice(2);
  const concurrency = Number(concurrencyArg);
  let run;
  if (mode === 'plain') {
    const { S3Client, GetObjectCommand, ListObjectsV2Command } = require('@aws-sdk/client-s3');
    const client = new S3Client({});
    const made = new Set();
    run = async () => {
      let objects = 0;
      let after;
      do {
        // StartAfter: s3rver cannot make continuation tokens on OpenSSL 3.
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: after }));
        const keys = (page.Contents || []).map(o => o.Key);
        let next = 0;
        const worker = async () => {
          for (let i = next++; i < keys.length; i = next++) {
            const file = path.join(target, keys[i]);
            const dir = path.dirname(file);
            if (!made.has(dir)) {
              mkdirSync(dir, { recursive: true });
              made.add(dir);
            }
            const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keys[i] }));
            await pipeline(res.Body, createWriteStream(file));
            objects++;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        after = page.IsTruncated ? keys[keys.length - 1] : undefined;
      } while (after);
      return objects;
    };
  } else if (mode === 'sync') {
    process.env.MOUNT_PATH = target;
    process.env.BUCKET_NAME = bucket;
    process.env.SYNC_CONCURRENCY = String(concurrency);
    const { handler } = require(bundle);
    console.log = () => undefined; // the handler's log lines would mix with the result
    run = async () => {
      const summary = await handler({ resync: true });
      if (summary.failed || summary.remaining || summary.continuation) throw new Error(`incomplete: ${JSON.stringify(summary)}`);
      return summary.copied;
    };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }

  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const objects = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(JSON.stringify({ mode, objects, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');
}

main().catch(err => {
  process.stderr.write(`${err && err.stack || err}\n`);
  process.exit(1);
});

/*
 * One measured copy, in a process of its own so that its peak memory is its own.
 *   node bench/sync-worker.js get  <bucket> <key> <output file>
 *   node bench/sync-worker.js sync <bucket> <key> <mount path> <handler bundle>
 * S3 is reached through AWS_ENDPOINT_URL_S3. Prints one JSON line.
 */
'use strict';
const { readFileSync, createWriteStream } = require('node:fs');
const { pipeline } = require('node:stream/promises');

function peakRssBytes() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

async function main() {
  const [mode, bucket, key, target, bundle] = process.argv.slice(2);
  let run;
  if (mode === 'get') {
    // The SDK, as the handler uses it: a plain streamed GetObject piped to a file.
    const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
    const client = new S3Client({});
    run = async () => {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(res.Body, createWriteStream(target));
      return res.ContentLength;
    };
  } else if (mode === 'sync') {
    process.env.MOUNT_PATH = target;
    const { handler } = require(bundle);
    console.log = () => undefined; // the handler's log lines would mix with the result
    const event = {
      Records: [{
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+') } },
      }],
    };
    run = async () => {
      await handler(event, { getRemainingTimeInMillis: () => 900_000 });
      return undefined;
    };
  } else {
    throw new Error(`unknown mode ${mode}`);
  }

  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const bytes = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(JSON.stringify({
    mode,
    bytes,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: peakRssBytes(),
  }) + '\n');
}

main().catch(err => {
  process.stderr.write(`${err && err.stack || err}\n`);
  process.exit(1);
});

import { awscdk } from 'projen';

/** `bench`: the file-sync handler's benchmark. */
export function addBenchTask(project: awscdk.AwsCdkConstructLibrary): void {
  // File sync: `npx projen bench` copies a 1 GiB object from a local S3 server through the
  // bundled sync handler and with a plain streamed GetObject, alternately, and fails when the
  // handler misses its targets (peak RSS under 128 MB, at least 90 % of the plain throughput).
  // Then it re-syncs 1,000 and 10,000 objects of 8 KiB with the handler and with a plain list +
  // streamed GET loop at the same concurrency, and fails when the handler takes more than 1.25
  // times as long. Not part of `test`: it takes minutes and wants a quiet machine.
  const bench = project.addTask('bench', {
    description: 'Benchmark the file-sync handler against plain S3 copies (1 GiB object; many small objects)',
  });
  bench.spawn(project.tasks.tryFind('bundle')!);
  bench.exec('ts-node --transpile-only --project tsconfig.dev.json bench/sync.bench.ts');
  // s3rver makes its listing continuation tokens with DES, which OpenSSL 3 only has in its legacy
  // provider: without it, a listing of more than 1,000 keys fails.
  bench.exec('ts-node --transpile-only --project tsconfig.dev.json bench/resync.bench.ts', { env: { NODE_OPTIONS: '--openssl-legacy-provider' } });
  project.npmignore?.exclude('/bench/');
  // End of the file sync block.
}

import { awscdk } from 'projen';

/** `bench`: the file-sync handler's benchmark. */
export function addBenchTask(project: awscdk.AwsCdkConstructLibrary): void {
  // File sync: `npx projen bench` copies a 1 GiB object from a local S3 server through the
  // bundled sync handler and with a plain streamed GetObject, alternately, and fails when the
  // handler misses its targets (peak RSS under 128 MB, at least 90 % of the plain throughput).
  // Not part of `test`: it takes minutes and wants a quiet machine.
  const bench = project.addTask('bench', {
    description: 'Benchmark the file-sync handler against a plain GetObject (1 GiB from a local S3 server)',
  });
  bench.spawn(project.tasks.tryFind('bundle')!);
  bench.exec('ts-node --transpile-only --project tsconfig.dev.json bench/sync.bench.ts');
  project.npmignore?.exclude('/bench/');
  // End of the file sync block.
}

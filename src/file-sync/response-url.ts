/**
 * Where the sync function may send a CloudFormation answer: only to the pre-signed URL of
 * CloudFormation's response bucket in its own region. Anyone who can invoke the function could
 * otherwise have it PUT the re-sync's summary to a server of their choosing. No I/O here.
 */

/** CloudFormation's response bucket of a region: the region without its dashes (`useast1`). */
const BUCKET = /^cloudformation-custom-resource-response-([a-z0-9]+)$/;

/**
 * S3's hosts: `s3.amazonaws.com`, `s3-eu-west-1.amazonaws.com`, `s3.eu-west-2.amazonaws.com`,
 * `s3.dualstack.eu-west-2.amazonaws.com`, and the same under `amazonaws.com.cn`.
 */
const S3_HOST = /^s3(?:[.-][a-z0-9-]+){0,2}\.amazonaws\.com(?:\.cn)?$/;

/**
 * Why `raw` is not a URL the function may answer CloudFormation at, or `undefined` when it is.
 *
 * The URL must be HTTPS on the standard port, without credentials, and name CloudFormation's
 * response bucket of `AWS_REGION` (virtual-hosted or path style). When `AWS_ENDPOINT_URL_S3` points
 * S3 elsewhere (tests, S3-compatible servers), the answer may go to that endpoint's host only.
 */
export function responseUrlProblem(raw: unknown, env: Record<string, string | undefined> = process.env): string | undefined {
  if (typeof raw !== 'string') return 'no response URL';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.username || url.password) return 'the URL carries credentials';

  const endpoint = env.AWS_ENDPOINT_URL_S3;
  if (endpoint) {
    const s3 = new URL(endpoint);
    return url.protocol === s3.protocol && url.hostname === s3.hostname ? undefined : `not on the S3 endpoint ${s3.hostname}`;
  }

  if (url.protocol !== 'https:') return 'not HTTPS';
  if (url.port !== '' && url.port !== '443') return `not on port 443 (${url.port})`;
  const host = url.hostname.toLowerCase();
  const dot = host.indexOf('.');
  let bucket: string;
  if (dot > 0 && S3_HOST.test(host.slice(dot + 1))) {
    bucket = host.slice(0, dot);
  } else if (S3_HOST.test(host)) {
    bucket = url.pathname.split('/')[1] ?? '';
  } else {
    return `not an S3 host (${host})`;
  }
  const match = BUCKET.exec(bucket);
  if (!match) return `not CloudFormation's response bucket (${bucket})`;
  const region = env.AWS_REGION;
  if (region && match[1] !== region.replace(/-/g, '')) return `not the response bucket of ${region} (${bucket})`;
  return undefined;
}

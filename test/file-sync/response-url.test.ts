// Where the sync function may answer CloudFormation: the response bucket of its own region.
import { responseUrlProblem } from '../../src/file-sync/response-url';

const SIGNED = '/arn%3Aaws%3Acloudformation%3Aeu-west-2%3A123456789012%3Astack/S/1%7CInitialSync%7Cabc?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0f';
const inRegion = (region: string) => ({ AWS_REGION: region });

test.each([
  ['virtual-hosted, global name', 'us-east-1', `https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com${SIGNED}`],
  ['virtual-hosted, dash-region name', 'eu-west-1', `https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com${SIGNED}`],
  ['virtual-hosted, dot-region name', 'eu-west-2', `https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com${SIGNED}`],
  ['dual-stack name', 'eu-west-2', `https://cloudformation-custom-resource-response-euwest2.s3.dualstack.eu-west-2.amazonaws.com${SIGNED}`],
  ['path style', 'us-west-2', `https://s3-us-west-2.amazonaws.com/cloudformation-custom-resource-response-uswest2${SIGNED}`],
  ['China', 'cn-north-1', `https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn${SIGNED}`],
  ['GovCloud', 'us-gov-west-1', `https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com${SIGNED}`],
  ['explicit port 443', 'eu-west-2', `https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com:443${SIGNED}`],
])('accepts CloudFormation\'s response bucket: %s', (_, region, url) => {
  expect(responseUrlProblem(url, inRegion(region))).toBeUndefined();
});

test.each([
  ['plain HTTP', `http://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com${SIGNED}`, 'not HTTPS'],
  ['another host', 'https://attacker.example.com/collect', 'not an S3 host (attacker.example.com)'],
  ['a look-alike host', `https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com.attacker.example.com${SIGNED}`, 'not an S3 host'],
  ['another bucket on S3', `https://attacker-bucket.s3.eu-west-2.amazonaws.com${SIGNED}`, 'not CloudFormation\'s response bucket (attacker-bucket)'],
  ['another bucket, path style', 'https://s3.eu-west-2.amazonaws.com/attacker-bucket/x', 'not CloudFormation\'s response bucket (attacker-bucket)'],
  ['a bucket with the prefix and more', `https://cloudformation-custom-resource-response-euwest2-mine.s3.eu-west-2.amazonaws.com${SIGNED}`, 'response bucket'],
  ['the response bucket of another region', `https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com${SIGNED}`, 'not the response bucket of eu-west-2'],
  ['another port', `https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com:8443${SIGNED}`, 'not on port 443 (8443)'],
  ['credentials in the URL', `https://user:pw@cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com${SIGNED}`, 'carries credentials'],
  ['not a URL', 'cloudformation-custom-resource-response-euwest2', 'not a URL'],
  ['no URL at all', undefined, 'no response URL'],
])('refuses %s', (_, url, problem) => {
  expect(responseUrlProblem(url, inRegion('eu-west-2'))).toContain(problem);
});

test('with S3 pointed elsewhere (tests, S3-compatible servers) the answer may go to that host only', () => {
  const env = { AWS_REGION: 'eu-west-2', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569' };
  expect(responseUrlProblem('http://127.0.0.1:8001/response?signature=x', env)).toBeUndefined();
  expect(responseUrlProblem('http://localhost:8001/response', env)).toBe('not on the S3 endpoint 127.0.0.1');
  expect(responseUrlProblem('https://127.0.0.1:8001/response', env)).toBe('not on the S3 endpoint 127.0.0.1');
  expect(responseUrlProblem(`https://cloudformation-custom-resource-response-euwest2.s3.eu-west-2.amazonaws.com${SIGNED}`, env))
    .toBe('not on the S3 endpoint 127.0.0.1');
});

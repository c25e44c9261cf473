import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PanintelligenceDashboard } from '../src';
import { only, synth } from './util';

const CERT_ARN = 'arn:aws:acm:eu-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555';

describe('load balancer, default', () => {
  let template: Template;
  let stack: Stack;
  let dashboard: PanintelligenceDashboard;

  beforeAll(() => {
    ({ template, stack, dashboard } = synth());
  });

  test('internet-facing and drops invalid header fields', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }]),
    });
  });

  test('port 80 answers with a permanent redirect to 443', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{
        Type: 'redirect',
        RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
      }],
    });
  });

  test('port 443 terminates TLS with a TLS 1.3 policy and the DNS-validated certificate', () => {
    const cert = only(template, 'AWS::CertificateManager::Certificate');
    expect(cert.Properties.DomainName).toBe('bi.example.com');
    expect(cert.Properties.ValidationMethod).toBe('DNS');
    expect(cert.Properties.DomainValidationOptions).toEqual([{ DomainName: 'bi.example.com', HostedZoneId: 'Z0123456789EXAMPLE' }]);
    const certId = Object.keys(template.findResources('AWS::CertificateManager::Certificate'))[0];
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
      Certificates: [{ CertificateArn: { Ref: certId } }],
    });
  });

  test('forwards to the fleet on 8224 with sticky sessions and the /pi/version health check', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8224,
      Protocol: 'HTTP',
      TargetType: 'instance',
      HealthCheckPath: '/pi/version',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'stickiness.enabled', Value: 'true' },
        { Key: 'stickiness.type', Value: 'lb_cookie' },
      ]),
    });
  });

  test('only requests for the dashboard\'s host reach the fleet; others, an IP address included, get a fixed 404', () => {
    const listener = httpsListener(template);
    expect(listener.Properties.DefaultActions).toEqual([{
      Type: 'fixed-response',
      FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not found' },
    }]);
    const targetGroup = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'));
    expect(targetGroup).toHaveLength(1);
    // The one way to the fleet: a rule on the host name.
    expect(forwardsTo(template, targetGroup[0])).toEqual([{
      priority: 10,
      conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['bi.example.com'] } }],
    }]);
  });

  test('/pi/version is not served to the internet, whatever the host; the health check still uses it', () => {
    const rules = rulesOf(template, httpsListenerId(template));
    const hidden = rules.filter((r) => r.Properties.Actions.some((a: any) => a.Type === 'fixed-response'));
    expect(hidden.map((r) => r.Properties)).toEqual([expect.objectContaining({
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/pi/version', '/pi/version/*', '/pi/version;*'] } }],
      Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'Not found' } }],
    })]);
    // Evaluated before the rule that forwards the dashboard's host.
    const forward = rules.find((r) => r.Properties.Actions.some((a: any) => a.Type === 'forward'));
    expect(forward.Properties.Priority).toBeGreaterThan(1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/pi/version' });
  });

  test('HTTPS responses carry Strict-Transport-Security', () => {
    expect(httpsListener(template).Properties.ListenerAttributes).toEqual([
      { Key: 'routing.http.response.strict_transport_security.header_value', Value: 'max-age=31536000' },
    ]);
  });

  test('an alias A record for the domain points at the load balancer', () => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'bi.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789EXAMPLE',
      AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
    });
  });

  test('url is the https URL of the domain', () => {
    expect(stack.resolve(dashboard.url)).toBe('https://bi.example.com/pi/');
  });

  test('the load balancer accepts 80 and 443 from anywhere and sends only 8224 to the fleet', () => {
    const lb = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const sgId = lb.Properties.SecurityGroups[0]['Fn::GetAtt'][0];
    const sg = template.toJSON().Resources[sgId];
    const ports = sg.Properties.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort]).sort();
    expect(ports).toEqual([['0.0.0.0/0', 443], ['0.0.0.0/0', 80]]);
    expect(sg.Properties.SecurityGroupEgress ?? []).not.toContainEqual(expect.objectContaining({ CidrIp: '0.0.0.0/0' }));
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', {
      Properties: { GroupId: { 'Fn::GetAtt': [sgId, 'GroupId'] } },
    })) as any[];
    expect(egress.map((e) => [e.Properties.FromPort, e.Properties.ToPort])).toEqual([[8224, 8224]]);
  });
});

describe('load balancer, options', () => {
  test('a given certificate is used and none is created', () => {
    const { template } = synth((s) => ({ certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN) }));
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Certificates: [{ CertificateArn: CERT_ARN }] });
  });

  test('with a certificate and no domain the URL is the load balancer DNS name and there is no record', () => {
    const { template, dashboard, stack } = synth((s) => ({
      certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN),
      domainName: undefined,
      hostedZone: undefined,
    }));
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    const lbId = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))[0];
    expect(stack.resolve(dashboard.url)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [lbId, 'DNSName'] }, '/pi/']] });
    // The load balancer's name is then the dashboard's host: requests by IP address still get the 404.
    const targetGroup = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))[0];
    expect(forwardsTo(template, targetGroup)).toEqual([{
      priority: 10,
      conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [{ 'Fn::GetAtt': [lbId, 'DNSName'] }] } }],
    }]);
    expect(httpsListener(template).Properties.DefaultActions[0].Type).toBe('fixed-response');
  });

  test('a domain with a certificate but no hosted zone makes no record but keeps the domain in the URL', () => {
    const { template, dashboard, stack } = synth((s) => ({
      certificate: acm.Certificate.fromCertificateArn(s, 'Cert', CERT_ARN),
      hostedZone: undefined,
    }));
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(stack.resolve(dashboard.url)).toBe('https://bi.example.com/pi/');
  });

  test('sslPolicy and healthCheckPath are honoured; other paths may also answer 302', () => {
    const { template } = synth(() => ({ sslPolicy: elbv2.SslPolicy.TLS13_13, healthCheckPath: '/' }));
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/', Matcher: { HttpCode: '200,302' } });
  });
});

describe('idle timeout: long reports survive the load balancer', () => {
  const idleTimeoutOf = (template: any) => only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.LoadBalancerAttributes
    .filter((a: any) => a.Key === 'idle_timeout.timeout_seconds');

  test('defaults to 10 minutes, not the 60 seconds of a plain load balancer', () => {
    expect(idleTimeoutOf(synth().template)).toEqual([{ Key: 'idle_timeout.timeout_seconds', Value: '600' }]);
  });

  test.each([
    [Duration.seconds(1), '1'],
    [Duration.minutes(30), '1800'],
    [Duration.seconds(4000), '4000'],
  ])('idleTimeout %s is honoured', (idleTimeout, seconds) => {
    expect(idleTimeoutOf(synth(() => ({ idleTimeout })).template)).toEqual([{ Key: 'idle_timeout.timeout_seconds', Value: seconds }]);
  });

  test.each([
    ['0 seconds', Duration.seconds(0)],
    ['4001 seconds', Duration.seconds(4001)],
    ['2 hours', Duration.hours(2)],
    ['1.5 seconds', Duration.millis(1500)],
  ])('refuses an idleTimeout of %s, naming the prop', (_, idleTimeout) => {
    expect(() => synth(() => ({ idleTimeout }))).toThrow(/PanintelligenceDashboard Test\/Dashboard: idleTimeout must be whole seconds from 1 to 4000/);
  });
});

describe('drain time: reports under way survive an instance leaving', () => {
  const delayOf = (template: any) => only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties.TargetGroupAttributes
    .filter((a: any) => a.Key === 'deregistration_delay.timeout_seconds');

  test('defaults to the idle timeout, the longest request the load balancer lets run, not 60 seconds', () => {
    expect(delayOf(synth().template)).toEqual([{ Key: 'deregistration_delay.timeout_seconds', Value: '600' }]);
    expect(delayOf(synth(() => ({ idleTimeout: Duration.minutes(20) })).template))
      .toEqual([{ Key: 'deregistration_delay.timeout_seconds', Value: '1200' }]);
  });

  test('an idle timeout above the target group\'s hour drains for the hour', () => {
    expect(delayOf(synth(() => ({ idleTimeout: Duration.seconds(4000) })).template))
      .toEqual([{ Key: 'deregistration_delay.timeout_seconds', Value: '3600' }]);
  });

  test.each([
    [Duration.seconds(0), '0'],
    [Duration.minutes(3), '180'],
    [Duration.hours(1), '3600'],
  ])('drainTime %s is honoured', (drainTime, seconds) => {
    expect(delayOf(synth(() => ({ drainTime })).template)).toEqual([{ Key: 'deregistration_delay.timeout_seconds', Value: seconds }]);
  });

  test.each([
    ['3601 seconds', Duration.seconds(3601)],
    ['1.5 seconds', Duration.millis(1500)],
  ])('refuses a drainTime of %s, naming the prop', (_, drainTime) => {
    expect(() => synth(() => ({ drainTime }))).toThrow(/PanintelligenceDashboard Test\/Dashboard: drainTime must be whole seconds from 0 to 3600/);
  });
});
function httpsListenerId(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 443 } }));
  expect(ids).toHaveLength(1);
  return ids[0];
}

function httpsListener(template: Template): any {
  return template.toJSON().Resources[httpsListenerId(template)];
}

function rulesOf(template: Template, listenerId: string): any[] {
  return Object.values(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule', {
    Properties: { ListenerArn: { Ref: listenerId } },
  }));
}

/** Every way a request reaches `targetGroup`: the listener's default action or a rule's. */
function forwardsTo(template: Template, targetGroup: string): Array<{ priority: number | 'default'; conditions: any[] }> {
  const forwards = (actions: any[]) => actions.some((a) => a.Type === 'forward' && a.TargetGroupArn?.Ref === targetGroup);
  const listeners = Object.entries(template.findResources('AWS::ElasticLoadBalancingV2::Listener')) as Array<[string, any]>;
  return [
    ...listeners.filter(([, l]) => forwards(l.Properties.DefaultActions)).map(() => ({ priority: 'default' as const, conditions: [] })),
    ...listeners.flatMap(([id]) => rulesOf(template, id))
      .filter((r) => forwards(r.Properties.Actions))
      .map((r) => ({ priority: r.Properties.Priority, conditions: r.Properties.Conditions })),
  ];
}

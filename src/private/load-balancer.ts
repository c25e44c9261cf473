import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { suppressNag } from './nag';
import { onePerZone } from './network';
import type { ResolvedDashboardProps } from './resolved-props';

/** The dashboard's HTTP port on each instance. */
export const APP_PORT = 8224;

/**
 * `Strict-Transport-Security` of every HTTPS response: browsers that saw the dashboard once
 * never try plain HTTP for it again, for a year.
 */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000';

/**
 * Paths the internet is not served: the version page tells a scanner which release to attack.
 * The health checks reach the instances directly, not through the listener. `;` starts path
 * parameters, which Tomcat drops before routing.
 */
export const HIDDEN_PATHS = ['/pi/version', '/pi/version/*', '/pi/version;*'];

/** Listener rule priorities: the hidden paths first, then the dashboard's host. */
const HIDDEN_PATHS_PRIORITY = 1;
const DASHBOARD_HOST_PRIORITY = 10;

/** Internal: what the load-balancer tier needs. */
export interface DashboardLoadBalancerProps extends Pick<ResolvedDashboardProps,
'certificate' | 'domainName' | 'hostedZone' | 'sslPolicy' | 'healthCheckPath' | 'accessLogs' | 'idleTimeout' | 'drainTime'
| 'loadBalancerDeletionProtection'> {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
}

/**
 * The internet-facing Application Load Balancer: :80 redirects to :443, which terminates TLS
 * and forwards to the fleet on the dashboard's port.
 */
export class DashboardLoadBalancer extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly httpsListener: elbv2.ApplicationListener;
  private readonly certificate: acm.ICertificate;
  /** The host name users reach the dashboard on (domain name, or the load balancer's DNS name). */
  public readonly publicHost: string;
  private readonly healthCheckPath: string;
  private readonly drainTime: Duration;

  constructor(scope: Construct, id: string, props: DashboardLoadBalancerProps) {
    super(scope, id);
    this.healthCheckPath = props.healthCheckPath;
    this.drainTime = props.drainTime;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Dashboard load balancer: HTTP and HTTPS from the internet, 8224 to the fleet only',
      // Egress is added per target by the listener, so nothing else can leave.
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from users');
    securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from users, redirected to HTTPS');
    suppressNag(securityGroup, [{
      id: 'AwsSolutions-EC23',
      reason: 'The internet-facing load balancer is the dashboard\'s public entry point; it accepts 80 (redirect only) and 443 from anywhere.',
    }]);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      // A load balancer takes at most one subnet per zone.
      vpcSubnets: onePerZone(props.vpcSubnets),
      internetFacing: true,
      securityGroup,
      dropInvalidHeaderFields: true,
      idleTimeout: props.idleTimeout,
      // Left out when off, so the template of the default load balancer stays as it was.
      deletionProtection: props.loadBalancerDeletionProtection || undefined,
    });
    if (!props.accessLogs) {
      suppressNag(this.loadBalancer, [{
        id: 'AwsSolutions-ELB2',
        reason: 'Access logs need a bucket in a concrete region; they are switched on with the accessLogs prop.',
      }]);
    }

    this.certificate = props.certificate ?? new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName!,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });

    this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 });
    this.httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [this.certificate],
      sslPolicy: props.sslPolicy,
      // Only requests for the dashboard's host reach it (addFleet); a scan by IP address or by
      // another name gets this.
      defaultAction: notFound(),
    });
    // An L1 override rather than the L2's setAttribute, which older aws-cdk-lib releases lack.
    (this.httpsListener.node.defaultChild as elbv2.CfnListener).addPropertyOverride('ListenerAttributes', [
      { Key: 'routing.http.response.strict_transport_security.header_value', Value: STRICT_TRANSPORT_SECURITY },
    ]);
    this.httpsListener.addAction('HiddenPaths', {
      priority: HIDDEN_PATHS_PRIORITY,
      conditions: [elbv2.ListenerCondition.pathPatterns(HIDDEN_PATHS)],
      action: notFound(),
    });

    // The host the dashboard's proxy settings name: its links and redirects point there.
    this.publicHost = props.domainName ?? this.loadBalancer.loadBalancerDnsName;

    if (props.domainName && props.hostedZone) {
      new route53.ARecord(this, 'AliasRecord', {
        zone: props.hostedZone,
        recordName: props.domainName,
        target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(this.loadBalancer)),
      });
    }
  }

  /**
   * Sends HTTPS requests for the dashboard's host to `targets` on the dashboard's port, with
   * sticky sessions.
   */
  public addFleet(targets: elbv2.IApplicationLoadBalancerTarget): elbv2.ApplicationTargetGroup {
    return this.httpsListener.addTargets('Fleet', {
      priority: DASHBOARD_HOST_PRIORITY,
      conditions: [elbv2.ListenerCondition.hostHeaders([this.publicHost])],
      port: APP_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [targets],
      // The dashboard keeps its session in the instance's memory.
      stickinessCookieDuration: Duration.days(1),
      // An instance taken out (scale-in, refresh, rolling update) finishes the reports under way.
      deregistrationDelay: this.drainTime,
      healthCheck: {
        path: this.healthCheckPath,
        // /pi/version answers 200 once the app is up; other paths (e.g. `/`) may redirect to the login page.
        healthyHttpCodes: this.healthCheckPath === '/pi/version' ? '200' : '200,302',
        interval: Duration.seconds(30),
        timeout: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 5,
      },
    });
  }
}

/** The listener's answer to what it does not serve: no body worth scanning for. */
function notFound(): elbv2.ListenerAction {
  return elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/plain', messageBody: 'Not found' });
}

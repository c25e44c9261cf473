"""The props of ts_app.ts's scenarios, in Python. Each side must stay a copy of the other."""
import functools

import aws_cdk as cdk
from aws_cdk import Duration, RemovalPolicy
import aws_cdk.aws_certificatemanager as acm
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_elasticloadbalancingv2 as elbv2
import aws_cdk.aws_kms as kms
import aws_cdk.aws_lambda as lambda_
import aws_cdk.aws_logs as logs
import aws_cdk.aws_route53 as route53
import aws_cdk.aws_s3 as s3
import aws_cdk.aws_secretsmanager as secretsmanager
import aws_cdk.aws_sns as sns
from panintelligence_cdk_dashboard import (
    AlarmSettings, DashboardAlarmOptions, DashboardFirewallOptions, PanintelligenceDashboard, UpgradeMode)


def machine_image():
    return ec2.MachineImage.generic_linux({"eu-west-2": "ami-0123456789abcdef0"})


def hosted_zone(stack):
    return route53.HostedZone.from_hosted_zone_attributes(
        stack, "Zone", hosted_zone_id="Z0123456789EXAMPLE", zone_name="example.com")


def default(stack):
    return dict(machine_image=machine_image(), domain_name="bi.example.com", hosted_zone=hosted_zone(stack))


def own_vpc(stack):
    return dict(
        machine_image=machine_image(),
        domain_name="bi.example.com",
        hosted_zone=hosted_zone(stack),
        nat_gateways=2,
        secrets_manager_endpoint=False,
        ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
        min_capacity=2,
        access_logs=True,
        web_acl_arn="arn:aws:wafv2:eu-west-2:123456789012:regional/webacl/central-bi/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
    )


def customised(stack):
    return dict(
        machine_image=machine_image(),
        vpc=ec2.Vpc(stack, "Existing", max_azs=2, nat_gateways=1),
        secrets_manager_endpoint=True,
        certificate=acm.Certificate.from_certificate_arn(
            stack, "Certificate",
            "arn:aws:acm:eu-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"),
        licence=secretsmanager.Secret.from_secret_name_v2(stack, "Licence", "panintelligence/licence"),
        alarm_topic=sns.Topic(stack, "Alarms"),
        alarms=DashboardAlarmOptions(
            target_response_time=AlarmSettings(threshold=3, evaluation_periods=2, datapoints_to_alarm=2,
                                               period=Duration.minutes(1)),
            database_cpu=AlarmSettings(enabled=False),
            firewall_blocked_requests=AlarmSettings(enabled=True, threshold=1000),
        ),
        key_pair=ec2.KeyPair.from_key_pair_name(stack, "Key", "ops"),
        instance_type=ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.LARGE),
        cpu_credits=ec2.CpuCredits.STANDARD,
        volume_type=ec2.EbsDeviceVolumeType.GP2,
        volume_size=30,
        min_capacity=2,
        max_capacity=6,
        desired_capacity=3,
        scale_out_cpu_percent=60,
        scale_in_cpu_percent=25,
        startup_timeout=Duration.minutes(5),
        health_check_path="/pi/",
        database_instance_type=ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
        database_allocated_storage=50,
        database_multi_az=False,
        database_backup_retention=Duration.days(14),
        database_require_tls=True,
        secret_rotation=Duration.days(14),
        master_secret_rotation=Duration.days(60),
        idle_timeout=Duration.minutes(15),
        drain_time=Duration.minutes(12),
        sync_concurrency=8,
        removal_policy=RemovalPolicy.DESTROY,
        # By name: aws-cdk-lib releases before 2.224.0 have no NODEJS_24_X.
        sync_function_runtime=lambda_.Runtime("nodejs24.x", lambda_.RuntimeFamily.NODEJS),
        log_retention=logs.RetentionDays.ONE_MONTH,
        file_system_backup_retention=Duration.days(60),
        pre_upgrade_backup=True,
        pre_upgrade_backup_retention=Duration.days(14),
        upgrade_mode=UpgradeMode.EXCLUSIVE,
        database_snapshot_identifier="arn:aws:rds:eu-west-2:123456789012:snapshot:awsbackup:job-be59cf2a-2343-4402-bd8b-226993d23453",
        load_balancer_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        fleet_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        database_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        outputs=False,
        firewall=DashboardFirewallOptions(
            login_rate_limit=50,
            site_rate_limit=20000,
            rate_limit_window=Duration.minutes(10),
            login_paths=["/pi/auth/", "/pi/api/v2/tokens", "/pi/sso/"],
            counted_rules=["AWSManagedRulesCommonRuleSet:SizeRestrictions_QUERYSTRING"],
        ),
    )


def no_nat(stack):
    return dict(
        machine_image=machine_image(),
        domain_name="bi.example.com",
        hosted_zone=hosted_zone(stack),
        vpc=ec2.Vpc(stack, "NoNat", max_azs=2, nat_gateways=0, subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ]),
        fleet_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        secrets_manager_endpoint_security_group=ec2.SecurityGroup.from_security_group_id(
            stack, "Endpoint", "sg-0123456789abcdef0"),
        alarm_topic=sns.Topic.from_topic_arn(stack, "Ops", "arn:aws:sns:eu-west-2:123456789012:ops-alarms"),
    )


def organisational(stack):
    return dict(
        machine_image=machine_image(),
        domain_name="bi.example.com",
        hosted_zone=hosted_zone(stack),
        encryption_key=kms.Key(stack, "OrganisationKey", enable_key_rotation=True),
        log_retention=logs.RetentionDays.ONE_YEAR,
        load_balancer_deletion_protection=True,
        access_logs=True,
        detailed_monitoring=True,
        database_monitoring_interval=Duration.seconds(15),
        database_port=5306,
        additional_instance_types=[ec2.InstanceType("t3.medium"), ec2.InstanceType("m6a.large")],
        server_access_logs_bucket=s3.Bucket.from_bucket_name(stack, "CentralAccessLogs", "example-org-access-logs"),
        bucket_versioning=True,
    )


SCENARIOS = {"default": default, "own-vpc": own_vpc, "customised": customised, "no-nat": no_nat,
             "organisational": organisational}


def stack_in(app=None, region="eu-west-2"):
    app = app or cdk.App()
    return cdk.Stack(app, "Stack", env=cdk.Environment(account="123456789012", region=region))


@functools.lru_cache(maxsize=None)
def synth(name):
    """The template of scenario `name`, built in Python (once per test run: treat it as read-only)."""
    stack = stack_in()
    PanintelligenceDashboard(stack, "Dashboard", **SCENARIOS[name](stack))
    return cdk.App.of(stack).synth().get_stack_by_name("Stack").template

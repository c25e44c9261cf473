"""Every public type of the library is reachable from Python, with Python names."""
import json
import keyword
import re

import aws_cdk as cdk
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_efs as efs
import aws_cdk.aws_elasticloadbalancingv2 as elbv2
import pytest

import panintelligence_cdk_dashboard as pi
from conftest import ROOT
from scenarios import default, stack_in

ASSEMBLY = json.loads((ROOT / ".jsii").read_text())
TYPES = sorted(ASSEMBLY["types"].values(), key=lambda t: t["name"])


def snake(name):
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return name + "_" if keyword.iskeyword(name) else name


def python_name(member):
    return member["name"] if member.get("const") else snake(member["name"])


def test_every_type_is_exported():
    missing = [t["name"] for t in TYPES if not hasattr(pi, t["name"])]
    assert missing == []
    assert {"CostEstimate", "AlarmSettings", "LoadBalancerAccessLogs", "LoadBalancerAccessLogsProps"} <= {t["name"] for t in TYPES}


@pytest.mark.parametrize("spec", TYPES, ids=lambda t: t["name"])
def test_members_have_python_names(spec):
    cls = getattr(pi, spec["name"])
    names = [python_name(m) for m in spec.get("properties", []) + spec.get("methods", [])]
    names += [m["name"] for m in spec.get("members", [])]  # enum members keep their names
    missing = [n for n in names if not hasattr(cls, n)]
    assert missing == []


def test_structs_take_snake_case_keywords():
    settings = pi.AlarmSettings(threshold=3, evaluation_periods=2, datapoints_to_alarm=1,
                                period=cdk.Duration.minutes(1), enabled=True)
    assert settings.evaluation_periods == 2
    options = pi.DashboardAlarmOptions(target_response_time=settings, database_cpu=pi.AlarmSettings(enabled=False))
    assert options.target_response_time.threshold == 3
    with pytest.raises(TypeError):
        pi.AlarmSettings(thresold=3)


def test_the_dashboard_and_its_members():
    stack = stack_in()
    dashboard = pi.PanintelligenceDashboard(stack, "Dashboard", **default(stack),
                                           alarms=pi.DashboardAlarmOptions(database_cpu=pi.AlarmSettings(enabled=False)))
    assert isinstance(dashboard.monitoring, pi.DashboardMonitoring)
    assert dashboard.monitoring.database_cpu_alarm is None
    assert dashboard.monitoring.target_response_time_alarm is not None
    assert len(dashboard.alarms) == pi.DashboardMonitoring.DEFAULT_ALARM_COUNT - 1
    assert isinstance(dashboard.file_system_backup, pi.FileSystemBackup)
    assert dashboard.url.startswith("https://bi.example.com")
    assert dashboard.connections.security_groups


def test_access_logs_and_backup_on_their_own():
    stack = stack_in()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    alb = elbv2.ApplicationLoadBalancer(stack, "Alb", vpc=vpc)
    logs = pi.LoadBalancerAccessLogs(stack, "AccessLogs", load_balancer=alb, prefix="alb",
                                     removal_policy=cdk.RemovalPolicy.DESTROY, retention=cdk.Duration.days(30))
    assert logs.bucket.bucket_name
    assert logs.prefix == "alb"
    fs = efs.FileSystem(stack, "Fs", vpc=vpc)
    backup = pi.FileSystemBackup(stack, "Backup", file_system=fs, retention=cdk.Duration.days(10))
    assert backup.retention.to_days() == 10
    template = cdk.App.of(stack).synth().get_stack_by_name("Stack").template
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::Backup::BackupPlan", "AWS::S3::Bucket"} <= types

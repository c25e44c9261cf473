"""Bad input from Python: a wrong type names the argument; a bad value names the path and the prop."""
import aws_cdk.aws_ec2 as ec2
import pytest

from panintelligence_cdk_dashboard import (
    AlarmSettings, CostEstimate, DashboardAlarmOptions, DashboardFirewallOptions, PanintelligenceDashboard)
from scenarios import default, stack_in


@pytest.mark.parametrize("argument,value", [
    ("min_capacity", "two"),
    ("instance_type", "t3.large"),
    ("database_multi_az", "yes"),
    ("health_check_path", 42),
])
def test_wrong_type_is_a_type_error_naming_the_argument(argument, value):
    stack = stack_in()
    with pytest.raises(TypeError, match=rf"\b{argument}\b"):
        PanintelligenceDashboard(stack, "Dashboard", **{**default(stack), argument: value})


def test_a_string_for_an_object_is_refused_naming_the_prop():
    """Interface-typed props (vpc, certificate, ...) are checked by the jsii runtime, not typeguard."""
    stack = stack_in()
    with pytest.raises(RuntimeError, match=r"Key 'vpc'"):
        PanintelligenceDashboard(stack, "Dashboard", **{**default(stack), "vpc": "vpc-123"})


def test_wrong_type_in_a_nested_setting():
    with pytest.raises(TypeError, match=r"\bthreshold\b"):
        AlarmSettings(threshold="high")


def test_unknown_argument():
    stack = stack_in()
    with pytest.raises(TypeError, match=r"min_capacityy"):
        PanintelligenceDashboard(stack, "Dashboard", **default(stack), min_capacityy=2)


@pytest.mark.parametrize("props,prop", [
    (dict(min_capacity=3, max_capacity=2), "minCapacity"),
    (dict(scale_out_cpu_percent=150), "scaleOutCpuPercent"),
    (dict(database_allocated_storage=5), "databaseAllocatedStorage"),
    (dict(alarms=DashboardAlarmOptions(database_cpu=AlarmSettings(threshold=-1))), "databaseCpu"),
    (dict(firewall=DashboardFirewallOptions(login_rate_limit=5)), "firewall.loginRateLimit"),
    (dict(web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/a1b2c3d4"), "webAclArn"),
    (dict(database_port=80), "databasePort"),
    (dict(additional_instance_types=[ec2.InstanceType("m7g.large")]), "additionalInstanceTypes"),
])
def test_invalid_value_names_the_path_and_the_prop(props, prop):
    stack = stack_in()
    with pytest.raises(Exception) as error:
        PanintelligenceDashboard(stack, "Dashboard", **{**default(stack), **props})
    assert "Stack/Dashboard" in str(error.value)
    assert prop in str(error.value)


def test_an_unpriced_value_lists_what_is_priced():
    with pytest.raises(Exception, match=r'region "us-west-2" is not priced; priced regions: us-east-1, eu-west-1, eu-west-2'):
        CostEstimate.monthly(region="us-west-2")
    with pytest.raises(Exception, match=r'instanceType "c5.large" is not in the price table for eu-west-2; priced: .*m6a.large'):
        CostEstimate.monthly(region="eu-west-2", instance_type=ec2.InstanceType("c5.large"))

"""CostEstimate from Python: plain values in, a breakdown out, the same figures as TypeScript."""
import aws_cdk.aws_ec2 as ec2
import aws_cdk.aws_secretsmanager as secretsmanager

from panintelligence_cdk_dashboard import CostBreakdown, CostEstimate, DashboardFirewallOptions, PanintelligenceDashboard
from scenarios import default, stack_in


def test_published_totals():
    assert CostEstimate.monthly().total_usd == 154.50
    assert CostEstimate.of_defaults("eu-west-1").total_usd == 164.84
    assert CostEstimate.of_high_availability("us-east-1").total_usd == 226.95
    assert CostEstimate.of_defaults("eu-west-2").total_usd == 171.99


def test_keyword_arguments_and_the_readme_instance_type():
    estimate = CostEstimate.monthly(region="eu-west-2", instance_type=ec2.InstanceType.of(
        ec2.InstanceClass.M6A, ec2.InstanceSize.LARGE), min_capacity=2, cpu_credits=ec2.CpuCredits.STANDARD)
    assert isinstance(estimate, CostBreakdown)
    lines = {item.name: item.monthly_usd for item in estimate.items}
    assert lines["EC2 instances"] == 145.85  # 2 x 0.0999 x 730
    assert estimate.currency == "USD" and estimate.hours_per_month == CostEstimate.HOURS_PER_MONTH == 730


def test_of_dashboard_in_the_stacks_region():
    stack = stack_in()
    props = default(stack)
    props["licence"] = secretsmanager.Secret.from_secret_name_v2(stack, "Licence", "pi/licence")
    dashboard = PanintelligenceDashboard(stack, "Dashboard", **props)
    estimate = CostEstimate.of_dashboard(dashboard)
    assert estimate.region == "eu-west-2"
    assert estimate.total_usd == CostEstimate.of_defaults("eu-west-2").total_usd
    busier = CostEstimate.of_dashboard(dashboard, average_cpu_utilization=60)
    assert busier.total_usd > estimate.total_usd


def test_the_firewall_adds_its_web_acl_rules_and_requests():
    estimate = CostEstimate.monthly(region="eu-west-2", firewall=DashboardFirewallOptions(), firewall_requests=2)
    lines = {item.name: item.monthly_usd for item in estimate.items}
    assert (lines["WAF web ACL"], lines["WAF rules"], lines["WAF requests"]) == (5, 6, 1.2)
    assert round(estimate.total_usd - CostEstimate.of_defaults("eu-west-2").total_usd, 2) == 12.2


def test_priced_lists():
    assert "eu-west-2" in CostEstimate.REGIONS
    assert "m6a.large" in CostEstimate.priced_instance_types("eu-west-2")
    assert "t3.micro" in CostEstimate.priced_database_instance_types("us-east-1")

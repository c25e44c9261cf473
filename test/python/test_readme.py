"""Every Python example of the README runs as written and synthesizes a stack.

The README's examples declare the objects they take from the reader's app as `# name: Type`
comments (rosetta's rendering of `declare const`); they are bound here to real objects.
"""
import json
import os
import re
import subprocess
import sys

import aws_cdk as cdk
import aws_cdk.aws_certificatemanager as acm
import aws_cdk.aws_ec2 as ec2
import pytest

from conftest import ROOT
from panintelligence_cdk_dashboard import PanintelligenceDashboard
from scenarios import default, stack_in

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"<!-- python:start -->\n```python\n(.*?)```\n<!-- python:end -->", README, re.S)


def placeholders(block):
    return re.findall(r"^# (\w+): ([\w.]+)$", block, re.M)


def bindings(stack):
    """How to make a real object for every placeholder the README declares; made only when declared,
    so one example's stack holds only what it uses."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    return {
        "stack": lambda: stack,
        "vpc": lambda: vpc,
        "warehouse": lambda: ec2.Connections(
            security_groups=[ec2.SecurityGroup(stack, "Warehouse", vpc=vpc)], default_port=ec2.Port.tcp(5439)),
        "dashboard": lambda: PanintelligenceDashboard(stack, "Existing", **default(stack)),
        "certificate": lambda: acm.Certificate.from_certificate_arn(
            stack, "BoundCertificate", "arn:aws:acm:eu-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"),
    }


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_example_runs_as_written(index):
    block = BLOCKS[index]
    stack = stack_in()
    bound = bindings(stack)
    declared = placeholders(block)
    unknown = [name for name, _ in declared if name not in bound]
    assert unknown == [], f"README example {index + 1} declares placeholders this test does not bind: {unknown}"
    namespace = {name: bound[name]() for name, _ in declared}
    exec(compile(block, f"README.md Python example {index + 1}", "exec"), namespace)
    # An example makes its own app and stack, or adds to the one bound to `stack`.
    own = namespace.get("stack")
    target = own if isinstance(own, cdk.Stack) else stack
    template = cdk.App.of(target).synth().get_stack_by_name(target.stack_name).template
    types = {r["Type"] for r in template["Resources"].values()}
    if "DashboardMonitoring(" in block:
        # Monitoring of resources imported by name and ARN: the dashboard and the alarms, no fleet or database.
        assert {"AWS::CloudWatch::Dashboard", "AWS::CloudWatch::Alarm"} <= types
        assert not types & {"AWS::AutoScaling::AutoScalingGroup", "AWS::RDS::DBInstance", "AWS::EFS::FileSystem"}
    else:
        assert "AWS::AutoScaling::AutoScalingGroup" in types
        assert "AWS::RDS::DBInstance" in types


def test_the_cost_example_prices_the_dashboard():
    block = next(b for b in BLOCKS if "CostEstimate" in b)
    stack = stack_in()
    namespace = {"dashboard": PanintelligenceDashboard(stack, "Dashboard", **default(stack))}
    exec(block, namespace)
    assert namespace["estimate"].region == "eu-west-2"
    assert namespace["per_month"] == namespace["estimate"].total_usd > 100
    assert namespace["instances"].name == "EC2 instances"


def test_the_first_example_synthesizes_with_the_cdk_cli(tmp_path):
    """As a user runs it: app.py and the cdk.json the README shows, `cdk synth`, no credentials."""
    app_py = BLOCKS[0]
    assert "app.synth()" in app_py
    (tmp_path / "app.py").write_text(app_py)
    shown = re.search(r"^( *)```json\n(.*?)^\1```", README, re.S | re.M).group(2)
    cdk_json = json.loads(shown)
    # The README's `python3` is the user's interpreter; here it is this virtualenv's.
    cdk_json["app"] = cdk_json["app"].replace("python3", sys.executable)
    (tmp_path / "cdk.json").write_text(json.dumps(cdk_json))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), CDK_DISABLE_VERSION_CHECK="1")
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "--no-notices"],
                            cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    template = json.loads((tmp_path / "cdk.out" / "Dashboard.template.json").read_text())
    assert any(r["Type"] == "AWS::RDS::DBInstance" for r in template["Resources"].values())


def test_package_readme_shows_each_example_once():
    """pacmak translates the TypeScript examples; the README's own Python copies are left out."""
    from importlib.metadata import metadata
    description = metadata("panintelligence-cdk-dashboard").get_payload()
    assert description.count("```python") == len(BLOCKS)
    assert "<!-- python:start -->" not in description
    assert "```ts" not in description

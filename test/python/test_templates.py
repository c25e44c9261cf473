"""A Python app and a TypeScript app with the same props synthesize the same template."""
import json
import subprocess

import pytest

from conftest import ROOT
from scenarios import SCENARIOS, synth


@pytest.fixture(scope="module")
def typescript_templates(tmp_path_factory):
    out = subprocess.run(
        ["npx", "ts-node", "--transpile-only", "--project", "tsconfig.dev.json", "test/python/ts_app.ts",
         str(tmp_path_factory.mktemp("ts"))],
        cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_the_same_scenarios_on_both_sides(typescript_templates):
    assert sorted(typescript_templates) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_template_as_typescript(name, typescript_templates):
    python = synth(name)
    assert len(python["Resources"]) > 50
    assert python == typescript_templates[name]


def test_the_scenarios_differ():
    """Each scenario changes the template, so a prop lost on the way from Python would show."""
    templates = {name: json.dumps(synth(name), sort_keys=True) for name in SCENARIOS}
    assert len(set(templates.values())) == len(templates)

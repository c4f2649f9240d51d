# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWX path, proved with the engine AWX uses: ansible-runner runs the collection playbook secops.guardduty.investigate
the way a job template with the survey of docs/awx-survey.json would (credentials injected as environment variables,
survey answers as extra vars), against the emulator; and ansible-builder creates the execution environment's context."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import ansible_runner
import pytest
import yaml

from gdemu import scenarios

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(sys.executable)
SURVEY_VARIABLES = ["investigation_id", "finding_id", "account_id", "organization", "detector_id", "report_dir", "fail_at_risk_level", "wait_timeout",
                    "channels"]
ARTIFACTS = ["guardduty_investigation_id", "guardduty_status", "guardduty_risk_level", "guardduty_confidence", "guardduty_report_files"]
FINDING_ID = "8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e"  # no investigation of it yet: the first job starts one


def load_survey():
    with open(os.path.join(COLLECTION, "docs", "awx-survey.json"), encoding="utf-8") as handle:
        return json.load(handle)


def assert_awx_accepts(survey):
    """The rules AWX's survey_spec endpoint applies (JobTemplateSurveySpec._validate_spec_data)."""
    assert isinstance(survey["name"], str) and isinstance(survey["description"], str) and survey["spec"]
    allowed = {"text": str, "textarea": str, "password": str, "integer": int, "float": (int, float), "multiplechoice": str, "multiselect": str}
    for item in survey["spec"]:
        assert {"type", "question_name", "variable", "required"} <= set(item), item
        assert isinstance(item["question_name"], str) and isinstance(item["variable"], str) and isinstance(item["required"], bool)
        assert item["type"] in allowed, item
        if item.get("default", "") != "":
            assert isinstance(item["default"], allowed[item["type"]]), item
        for key in ("min", "max"):
            assert item.get(key) is None or isinstance(item[key], int), item
        if item["type"] in ("multiplechoice", "multiselect"):
            assert item["choices"], item
            if "default" in item:
                assert item["default"] in item["choices"], item


def test_survey_spec_is_one_awx_accepts_and_covers_exactly_the_playbook_interface():
    """The rules AWX applies, checked on the shipped spec, and its variables are the playbook's extra vars."""
    survey = load_survey()
    assert_awx_accepts(survey)
    assert [item["variable"] for item in survey["spec"]] == SURVEY_VARIABLES
    with open(os.path.join(COLLECTION, "playbooks", "investigate.yml"), encoding="utf-8") as handle:
        playbook = handle.read()
    used = set(re.findall(r"\{\{ (\w+) \| default", playbook))
    assert used == set(SURVEY_VARIABLES), "the playbook's extra vars are the survey's variables"


def test_containment_survey_is_one_awx_accepts_and_covers_exactly_the_contain_playbook_interface():
    """docs/awx-contain-survey.json: every extra var of playbooks/contain.yml but the artifacts of earlier workflow
    nodes, and mode offers every contain_mode the role takes."""
    with open(os.path.join(COLLECTION, "docs", "awx-contain-survey.json"), encoding="utf-8") as handle:
        survey = json.load(handle)
    assert_awx_accepts(survey)
    with open(os.path.join(COLLECTION, "playbooks", "contain.yml"), encoding="utf-8") as handle:
        playbook = handle.read()
    used = set(re.findall(r"\{\{ (\w+) \| default", playbook)) | set(re.findall(r"\| default\((\w+) \|", playbook))
    artifacts = {"guardduty_investigation_id", "guardduty_contain_record"}
    assert {item["variable"] for item in survey["spec"]} == used - artifacts
    with open(os.path.join(COLLECTION, "roles", "contain", "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        modes = yaml.safe_load(handle)["argument_specs"]["main"]["options"]["contain_mode"]["choices"]
    assert [item for item in survey["spec"] if item["variable"] == "mode"][0]["choices"] == modes


def survey_extra_vars(answers):
    """Extra vars as AWX builds them for a job launched from the survey: valid defaults, then the answers."""
    extra = {}
    for item in load_survey()["spec"]:
        default = item.get("default")
        if default is not None and (item["type"] != "multiplechoice" or default in item["choices"]):
            extra[item["variable"]] = default
    extra.update(answers)
    return extra


@pytest.fixture
def awx_job(tmp_path, guardduty_emulator, monkeypatch):
    """run(answers) -> (ansible_runner Runner, artifact_data): one AWX job of the job template secops.guardduty.investigate."""
    scenario = scenarios.demo()
    scenario["create"] = {"running_for": 1}
    guardduty_emulator.load(scenario)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    # An AWX project holds playbooks; a job template runs the collection playbook through a one-line wrapper.
    project = tmp_path / "project"
    project.mkdir()
    (project / "investigate.yml").write_text("---\n- name: GuardDuty investigation\n  ansible.builtin.import_playbook: secops.guardduty.investigate\n")
    envvars = {
        # AWX's Amazon Web Services credential (AWX >= 21.10 injects the session token under both names)
        "AWS_ACCESS_KEY_ID": "AKIAGDAWXJOBTEMPLATE000000001",
        "AWS_SECRET_ACCESS_KEY": "awx-job-template-secret-that-never-occurs-in-data-0001",
        "AWS_SECURITY_TOKEN": "awx-job-template-session-token-never-in-data-0001",
        "AWS_SESSION_TOKEN": "awx-job-template-session-token-never-in-data-0001",
        # the "AWS Region" and "AWS endpoint" credential types of docs/awx.md
        "AWS_REGION": scenarios.REGION,
        "AWS_URL": guardduty_emulator.url,
        # the execution environment: its collections and its Python
        "ANSIBLE_COLLECTIONS_PATH": os.environ["ANSIBLE_COLLECTIONS_PATH"],
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
    }
    runs = {"n": 0}

    def run(answers, extra=None):
        runs["n"] += 1
        private_data_dir = tmp_path / f"job{runs['n']}"
        private_data_dir.mkdir()
        return runner_job(project, "investigate.yml", envvars, private_data_dir, dict(survey_extra_vars(answers), **(extra or {})))

    return run


def runner_job(project, playbook, envvars, private_data_dir, extravars):
    """(ansible_runner Runner, artifact_data) of one AWX job: ``playbook`` of the project on localhost."""
    runner = ansible_runner.run(private_data_dir=str(private_data_dir), project_dir=str(project), playbook=playbook,
                                inventory="localhost ansible_connection=local", envvars=envvars, extravars=extravars, quiet=True, timeout=300)
    stats = [e for e in runner.events if e.get("event") == "playbook_on_stats"]
    assert len(stats) == 1, runner.stdout.read()
    return runner, stats[0]["event_data"]["artifact_data"]


def test_awx_job_starts_waits_reports_and_sets_artifacts(awx_job, guardduty_emulator, tmp_path):
    report_dir = tmp_path / "reports"
    # a job template's extra vars may set any role variable too; polling every second keeps the test short
    fast = {"investigation_report_wait_sleep": 1}
    runner, artifacts = awx_job({"finding_id": FINDING_ID, "report_dir": str(report_dir)}, fast)
    assert (runner.status, runner.rc) == ("successful", 0), runner.stdout.read()
    assert runner.stats["failures"] == {} and runner.stats["ok"]["localhost"] > 0
    created = guardduty_emulator.created()
    assert len(created) == 1
    investigation_id = artifacts["guardduty_investigation_id"]
    files = [f"{report_dir}/{investigation_id}.md", f"{report_dir}/{investigation_id}.html"]
    assert artifacts == {
        "guardduty_investigation_id": investigation_id,
        "guardduty_status": "COMPLETED",
        "guardduty_risk_level": "High",
        "guardduty_confidence": "High",
        "guardduty_report_files": files,
    }
    with open(files[0], encoding="utf-8") as handle:
        markdown = handle.read()
    assert f"# GuardDuty investigation {investigation_id}" in markdown and f"- **Finding:** {FINDING_ID}" in markdown
    assert "| **High** | High | COMPLETED | FINDING |" in markdown
    with open(files[1], encoding="utf-8") as handle:
        assert 'id="risk-level"' in handle.read()

    # AWX re-runs the job (a retry, a relaunch): the investigation is reused, not started again; the gate fails the job
    # after the reports and the artifacts, so a workflow's failure branch still gets them
    runner, again = awx_job({"finding_id": FINDING_ID, "report_dir": str(report_dir), "fail_at_risk_level": "High"}, fast)
    assert (runner.status, runner.rc) == ("failed", 2)
    assert len(guardduty_emulator.created()) == 1
    assert again == artifacts
    failed = [e for e in runner.events if e.get("event") == "runner_on_failed"]
    assert [e["event_data"]["task"] for e in failed] == ["Fail when the risk level reaches investigation_report_fail_at_risk_level"]
    assert "assessed risk level High, which is at or above the gate" in failed[0]["event_data"]["res"]["msg"]
    # the credentials never show in what AWX stores (job output and events)
    stdout = runner.stdout.read()
    for secret in ("awx-job-template-secret", "awx-job-template-session-token"):
        assert secret not in stdout and secret not in json.dumps(list(runner.events))


def test_execution_environment_context_is_created(tmp_path):
    """ansible-builder create (no container runtime needed) on the shipped execution-environment.yml and the built collection."""
    workdir = tmp_path / "ee"
    workdir.mkdir()
    for name in ("execution-environment.yml", "requirements.txt"):
        shutil.copy(os.path.join(COLLECTION, name), workdir / name)
    build = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(workdir / "build"), COLLECTION],
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr
    with open(os.path.join(COLLECTION, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    tarball = f"secops-guardduty-{version}.tar.gz"
    assert os.listdir(workdir / "build") == [tarball]

    create = subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "--context", "context",
                             "--output-filename", "Containerfile"], cwd=workdir, capture_output=True, text=True, check=False)
    assert create.returncode == 0, create.stdout + create.stderr
    context = workdir / "context"
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert "ansible-galaxy collection install --offline --no-deps --collections-path /usr/share/ansible/collections " \
           "/build/collections/secops-guardduty-*.tar.gz" in containerfile
    assert (context / "_build" / "collections" / tarball).is_file()
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text()) == {
        "collections": [{"name": "amazon.aws", "version": ">=10.0.0"}, {"name": "community.general", "version": ">=11.0.0"}]}
    with open(os.path.join(COLLECTION, "requirements.txt"), encoding="utf-8") as handle:
        floors = [line for line in handle.read().splitlines() if line and not line.startswith("#")]
    assert floors == ["botocore>=1.43.35", "boto3>=1.43.35"]
    assert (context / "_build" / "requirements.txt").read_text().splitlines()[-2:] == floors
    assert (context / "_build" / "exclude-requirements.txt").read_text().split() == ["aiobotocore"]

    # what the image build's introspection step will install, from this collections root (amazon.aws + secops.guardduty)
    pip = tmp_path / "pip.txt"
    introspect = subprocess.run(
        [sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0],
         "--user-pip", str(context / "_build" / "requirements.txt"), "--exclude-pip-reqs", str(context / "_build" / "exclude-requirements.txt"),
         "--write-pip", str(pip), "--write-bindep", str(tmp_path / "bindep.txt")],
        capture_output=True, text=True, check=False,
    )
    assert introspect.returncode == 0, introspect.stderr
    requirements = pip.read_text()
    assert "botocore>=1.43.35  # from collection secops.guardduty" in requirements
    assert "boto3>=1.43.35  # from collection secops.guardduty" in requirements
    assert "aiobotocore" not in requirements


def test_disposition_survey_is_one_awx_accepts_and_covers_exactly_the_dispose_playbook_interface():
    """docs/awx-dispose-survey.json: every extra var of playbooks/dispose.yml but the artifacts of earlier workflow
    nodes, and mode offers every dispose_mode the role takes."""
    with open(os.path.join(COLLECTION, "docs", "awx-dispose-survey.json"), encoding="utf-8") as handle:
        survey = json.load(handle)
    assert_awx_accepts(survey)
    with open(os.path.join(COLLECTION, "playbooks", "dispose.yml"), encoding="utf-8") as handle:
        playbook = handle.read()
    used = set(re.findall(r"\{\{ (\w+) \| default", playbook)) | set(re.findall(r"\| default\((\w+) \|", playbook))
    artifacts = {"guardduty_investigation_id", "guardduty_dispose_record", "guardduty_contain_record"}
    assert {item["variable"] for item in survey["spec"]} == used - artifacts
    with open(os.path.join(COLLECTION, "roles", "dispose", "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        modes = yaml.safe_load(handle)["argument_specs"]["main"]["options"]["dispose_mode"]["choices"]
    assert [item for item in survey["spec"] if item["variable"] == "mode"][0]["choices"] == modes


def test_awx_dispose_jobs_apply_then_roll_back_from_the_artifact_alone(tmp_path, guardduty_emulator, monkeypatch):
    """Two jobs of the job template secops.guardduty.dispose, as an AWX workflow runs them: apply (its artifacts, the
    disposition record among them), then rollback in another job's home, from the artifact passed on as the survey's
    JSON text; the containment job's artifact guardduty_contain_record makes a true positive RESOLVED."""
    guardduty_emulator.load(scenarios.dispose())
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    project = tmp_path / "project"
    project.mkdir()
    (project / "dispose.yml").write_text("---\n- name: GuardDuty disposition\n  ansible.builtin.import_playbook: secops.guardduty.dispose\n")
    envvars = {
        "AWS_ACCESS_KEY_ID": "AKIAGDAWXDISPOSEJOB00000001",
        "AWS_SECRET_ACCESS_KEY": "awx-dispose-job-secret-that-never-occurs-in-data-0001",
        "AWS_REGION": scenarios.REGION,
        "AWS_URL": guardduty_emulator.url,
        "ANSIBLE_COLLECTIONS_PATH": os.environ["ANSIBLE_COLLECTIONS_PATH"],
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
    }

    def job(name, extravars):
        private_data_dir = tmp_path / name
        private_data_dir.mkdir()
        runner, artifacts = runner_job(project, "dispose.yml", envvars, private_data_dir, extravars)
        assert (runner.status, runner.rc) == ("successful", 0), runner.stdout.read()
        return artifacts

    benign = scenarios.DISPOSE_BENIGN_INV_ID
    ids = [scenarios.DISPOSE_BENIGN_FINDING_ID, scenarios.DISPOSE_RELATED_FINDING_ID]
    artifacts = job("apply", {"investigation_id": benign, "mode": "apply", "approved": "true",
                              "dispose_record_dir": str(tmp_path / "apply-home")})
    assert (artifacts["guardduty_dispose_investigation_id"], artifacts["guardduty_dispose_mode"], artifacts["guardduty_dispose_verdict"],
            artifacts["guardduty_dispose_status"]) == (benign, "apply", "benign", "closed as benign")
    assert artifacts["guardduty_dispose_counts"]["done"] == 4
    record = artifacts["guardduty_dispose_record"]
    assert record["investigation_id"] == benign and {r["status"] for r in record["resources"]} == {"applied"}
    assert all(guardduty_emulator.finding(fid)["Service"]["Archived"] for fid in ids)

    # the rollback job: another home, no record file there; the artifact as the survey's text
    artifacts = job("rollback", {"investigation_id": benign, "mode": "rollback", "approved": "true", "record": json.dumps(record),
                                 "dispose_record_dir": str(tmp_path / "rollback-home")})
    assert artifacts["guardduty_dispose_status"] == "rolled back" and artifacts["guardduty_dispose_counts"]["done"] == 4
    assert not any(guardduty_emulator.finding(fid)["Service"]["Archived"] for fid in ids)
    assert all(guardduty_emulator.securityhub_finding(fid)["Workflow"]["Status"] == "NEW" for fid in ids)
    assert {r["status"] for r in artifacts["guardduty_dispose_record"]["resources"]} == {"rolled_back"}

    # after the containment node of a workflow: its artifact guardduty_contain_record reaches the disposition
    tp = scenarios.DISPOSE_TP_INV_ID
    contained = {"record_format": 1, "investigation_id": tp, "account_id": scenarios.ACCOUNT_ID, "region": scenarios.REGION,
                 "created": "2026-01-02T03:04:05Z", "updated": "2026-01-02T03:04:05Z", "role_version": "0.3.0", "resources": [
                     {"type": "iam_access_key", "id": "AKIAEXAMPLECONTAIN01", "status": "applied", "time": "2026-01-02T03:04:05Z",
                      "user_name": "ci-deployer", "previous_status": "Active"}]}
    artifacts = job("true-positive", {"guardduty_investigation_id": tp, "guardduty_contain_record": contained, "mode": "apply",
                                      "approved": "true", "dispose_record_dir": str(tmp_path / "tp-home")})
    assert (artifacts["guardduty_dispose_verdict"], artifacts["guardduty_dispose_status"]) == ("true_positive", "resolved")
    assert guardduty_emulator.securityhub_finding(scenarios.DISPOSE_TP_FINDING_ID)["Workflow"]["Status"] == "RESOLVED"

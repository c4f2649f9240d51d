# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`scripts/demo contain` end to end: moto and the emulator started, the resources created, docs/demo/contain.yml run
(plan, apply, rollback), both servers stopped. It runs the demo step of scripts/toolbox.py (what `scripts/demo contain`
runs once bootstrap has prepared the toolchain) in the toolchain and collection copy under test: the bootstrap itself is
the one every command shares, and running it here would sync the checkout into the copy this suite is running from.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request

from gdemu import scenarios as sc

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLBOX = os.path.join(COLLECTION, "scripts", "toolbox.py")
README = os.path.join(COLLECTION, "README.md")
QUARANTINE = "secops-guardduty-quarantine"


def run_demo(tmp_path, step="_demo-contain"):
    """The demo step ``step`` of scripts/toolbox.py on the collection under test, with a HOME of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
                "HOME": str(tmp_path), "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")})
    for name in ("GD_RESULTS_FILE", "ANSIBLE_CALLBACKS_ENABLED"):
        env.pop(name, None)
    return subprocess.run([sys.executable, TOOLBOX, step, COLLECTION], env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, check=False)


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def test_demo_contain_plans_applies_and_rolls_back(tmp_path):
    proc = run_demo(tmp_path)
    out = proc.stdout
    assert proc.returncode == 0, out
    assert re.search(r"localhost +: ok=\d+ +changed=\d+ +unreachable=0 +failed=0", out), out

    created = re.search(r"security groups web (sg-[0-9a-f]+) and ssh (sg-[0-9a-f]+)", out)
    instance = re.search(r"\[demo contain\]   instance (i-[0-9a-f]+) ", out)
    key = re.search(r"with access key (AKIA[A-Z0-9]{16}) \(Active\)", out)
    assert created and instance and key, out
    instance, key, ssh = instance.group(1), key.group(1), created.group(2)

    def after(step):
        groups = re.findall(rf'"after {step}: instance {instance} interface (eni-[0-9a-f]+) in ([^"]*)"', out)
        keys = re.findall(rf'"after {step}: access key {key} of build-bot (Active|Inactive)"', out)
        return groups, keys

    # the investigation names moto's ids, and the endpoints are per service
    assert f"investigation {sc.CONTAIN_DEMO_INV_ID} (COMPLETED, Critical) names them" in out
    moto_url = re.search(r"AWS_ENDPOINT_URL_EC2=(http://127\.0\.0\.1:\d+)", out).group(1)
    emulator_url = re.search(r"AWS_ENDPOINT_URL_GUARDDUTY=(http://127\.0\.0\.1:\d+)", out).group(1)
    for service in ("AUTO_SCALING", "ELASTIC_LOAD_BALANCING_V2", "IAM", "LAMBDA", "RDS", "S3", "STS"):
        assert f"AWS_ENDPOINT_URL_{service}={moto_url}" in out
    assert moto_url != emulator_url

    # plan: changed nothing
    assert '"plan: 0 done, 6 planned, 0 unchanged, 0 skipped"' in out, out
    assert f"planned | ec2_instance | {instance}" in out and f"planned | iam_access_key | {key}" in out
    assert f"planned | ec2_security_group | {ssh}" in out  # its rule open to the internet goes
    groups, keys = after("plan")
    assert [names for _eni, names in groups] == ["ssh, web"] and keys == ["Active"], out
    eni = groups[0][0]

    # apply, approved: contained (the quarantine group only, the key inactive)
    assert '"apply: 6 done, 0 planned, 0 unchanged, 0 skipped"' in out, out
    assert after("apply") == ([(eni, QUARANTINE)], ["Inactive"]), out

    # rollback, approved: the instance's own groups back (what happens to the key is the role's choice, not asserted)
    assert re.search(r'"rollback: [1-9]\d* done, ', out), out
    assert after("rollback")[0] == [(eni, "ssh, web")], out

    # no secret in the output; both servers stopped
    assert "demo-secret-key-for-the-local-emulator-only-0001" not in out
    assert out.rstrip().endswith("[demo contain] moto and the emulator stopped"), out
    assert not answers(moto_url + "/moto-api/data.json") and not answers(emulator_url + "/_emulator/health")


def test_readme_lines_match_what_serve_prints():
    """The README's "Try containment on your machine" lines point at the ports, with the credentials, that
    `scripts/demo contain --serve` uses, GuardDuty at the emulator and the other services at moto, one variable each."""
    spec = importlib.util.spec_from_file_location("toolbox", TOOLBOX)
    toolbox = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(toolbox)
    with open(README, encoding="utf-8") as fh:
        text = fh.read()
    start = text.index("## Try containment on your machine")
    section = text[start:text.index("\n## ", start + 1)]
    demo, serve, shell = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert demo.startswith("scripts/demo contain ") and serve.startswith("scripts/demo contain --serve ")
    exported, unset = {}, set()
    for line in shell.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            exported.update(word.split("=", 1) for word in words[1:])
        elif words[:1] == ["unset"]:
            unset.update(words[1:])
    moto = f"http://127.0.0.1:{toolbox.DEMO_CONTAIN_PORTS['moto']}"
    assert exported == {
        "AWS_REGION": sc.REGION,
        "AWS_ACCESS_KEY_ID": toolbox.DEMO_ENV["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": toolbox.DEMO_ENV["AWS_SECRET_ACCESS_KEY"],
        "AWS_ENDPOINT_URL_GUARDDUTY": f"http://127.0.0.1:{toolbox.DEMO_CONTAIN_PORTS['emulator']}",
        "AWS_ENDPOINT_URL_EC2": moto, "AWS_ENDPOINT_URL_AUTO_SCALING": moto, "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2": moto,
        "AWS_ENDPOINT_URL_IAM": moto, "AWS_ENDPOINT_URL_LAMBDA": moto, "AWS_ENDPOINT_URL_RDS": moto, "AWS_ENDPOINT_URL_S3": moto,
        "AWS_ENDPOINT_URL_STS": moto,
    }
    assert {"AWS_URL", "AWS_ENDPOINT_URL", "AWS_PROFILE"} <= unset
    assert f"-e investigation_id={sc.CONTAIN_DEMO_INV_ID}" in shell and "ansible-playbook docs/demo/contain.yml" in shell

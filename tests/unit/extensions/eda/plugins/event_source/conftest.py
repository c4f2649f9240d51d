# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event source files are loaded the way ansible-rulebook loads them: by path (runpy.run_path)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.secops.guardduty.plugins.plugin_utils import event_sources as events
from ansible_collections.secops.guardduty.tests.unit.conftest import stubbed_guardduty_client

DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"
COLLECTION = os.path.abspath(os.path.join(os.path.dirname(events.__file__), os.pardir, os.pardir))
SOURCES = os.path.join(COLLECTION, "extensions", "eda", "plugins", "event_source")
COLLECTIONS_ROOT = os.path.abspath(os.path.join(COLLECTION, os.pardir, os.pardir, os.pardir))


def source_path(name):
    return os.path.join(SOURCES, f"{name}.py")


def run_path(path):
    """What runpy.run_path does with a plain file (ansible-test's collection path hook would get in its way here)."""
    with open(path, encoding="utf-8") as source:
        code = compile(source.read(), path, "exec")
    namespace = {"__name__": "<run_path>", "__file__": path, "__builtins__": __builtins__}
    exec(code, namespace)  # pylint: disable=exec-used
    return namespace


def load(name):
    return run_path(source_path(name))


def documented_options(name):
    return events.source_documentation(load(name)["DOCUMENTATION"])["options"]


def check_documentation(name, source):
    """Every option of the implementation is documented with its type, default and aliases, and nothing else is."""
    module = load(name)
    doc = events.source_documentation(module["DOCUMENTATION"])  # with the options of secops.guardduty.event_source
    assert doc["short_description"] and doc["description"] and doc["author"]
    yaml.safe_load(module["EXAMPLES"])
    spec = events.argument_spec(source)
    assert set(doc["options"]) == set(spec)
    for option, entry in doc["options"].items():
        assert entry.get("type", "str") == spec[option].get("type", "str"), option
        assert entry.get("default") == spec[option].get("default"), option
        assert sorted(entry.get("aliases", [])) == sorted(spec[option].get("aliases", [])), option
        assert entry.get("choices") == spec[option].get("choices"), option
        assert entry["description"], option


def run_until(name, args, count, timeout=10):
    """Run the source's main() until ``count`` events are queued; returns them (the task is cancelled)."""

    async def go():
        queue = asyncio.Queue()
        task = asyncio.create_task(load(name)["main"](queue, args))
        found = []
        try:
            while len(found) < count:
                getter = asyncio.ensure_future(queue.get())
                done, _pending = await asyncio.wait({getter, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    if task in done:
                        task.result()  # raises the source's error
                    raise AssertionError(f"only {len(found)} event(s) after {timeout} s")
                found.append(getter.result())
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return found

    return asyncio.run(go())


def run_main(name, args):
    """Await main(); it must end (a fatal problem raises)."""
    return asyncio.run(asyncio.wait_for(load(name)["main"](asyncio.Queue(), args), 10))


@pytest.fixture
def stub_source(monkeypatch):
    """The Stubber behind the client every source builds (region us-east-1)."""
    client, stubber = stubbed_guardduty_client()
    monkeypatch.setattr(events, "source_client", lambda opts: (client, "us-east-1"))
    yield stubber
    stubber.deactivate()


def load_outside_ansible(tmp_path, name, collections_path, copy=False):
    """Load the source in a fresh Python without Ansible's collection loader (like ansible-rulebook).

    Returns "None" when it loads (its main is the collection's), else the repr of the import error that stopped it
    (the cause of the source's own ImportError, whose message is checked here: it says what the source needs).
    """
    path = source_path(name)
    if copy:
        target = tmp_path / f"{name}.py"
        target.write_text(open(path).read())
        path = str(target)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_COLLECTIONS_PATH") and key != "PYTHONPATH"}
    if collections_path:
        env["ANSIBLE_COLLECTIONS_PATH"] = collections_path
    code = (
        "import runpy, sys\n"
        "sys.path = [p for p in sys.path if 'ansible_collections' not in p]\n"
        "try:\n"
        f"    module = runpy.run_path({path!r})\n"
        "except ImportError as error:\n"
        f"    assert str(error).startswith('secops.guardduty.{name} needs ansible-core, boto3 and botocore, and amazon.aws in "
        "ANSIBLE_COLLECTIONS_PATH: '), error\n"
        "    assert str(error.__cause__) in str(error), error\n"
        "    print(repr(error.__cause__))\n"
        "else:\n"
        "    assert module['main'].__module__ == 'ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources'\n"
        "    print(None)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip().splitlines()[-1]

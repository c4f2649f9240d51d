# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""moto in server mode (PyPI ``moto[server]``) for the AWS services the collection acts on through amazon.aws
(EC2, IAM, S3, STS): a real HTTP endpoint on 127.0.0.1 with real state, started in a process of its own by the
test that needs it and stopped after it. Never a hand-made mock.

``moto_aws`` yields a ``MotoServer``: ``.url`` for ``endpoint_url``, ``.client(service)`` a boto3 client on it.
``scripts/demo contain`` (scripts/toolbox.py, in the project's virtualenv) starts its moto with ``MotoServer`` too.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile

import boto3
import pytest

# Long dummy credentials for the boto3 clients that set up and read moto's state (moto accepts any). Not imported
# from conftest: with tests/emulator/tests on the same pytest run, "conftest" may be the emulator's.
ACCESS_KEY = "AKIAMOTOFIXTURETESTKEY00000000000000001"
SECRET_KEY = "moto-fixture-secret-key-that-never-occurs-in-data-0123456789"
REGION = "us-east-1"

START_TIMEOUT = 60


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    """A moto server process on 127.0.0.1 and a free port (or the port given)."""

    def __init__(self, log_path, port=None):
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self._proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                self._log.close()
                with open(log_path, encoding="utf-8") as log:
                    raise RuntimeError(f"moto server exited with {self._proc.returncode}:\n{log.read()}")
            try:
                with urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto server did not answer on {self.url} within {START_TIMEOUT}s") from None
                time.sleep(0.1)

    def client(self, service, region=REGION):
        return boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=region).client(
            service, endpoint_url=self.url
        )

    def reset(self):
        request = urllib.request.Request(self.url + "/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self):
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        if not self._log.closed:
            self._log.close()


# The image a world's instances are launched from: the one moto lists first, found by its name, since describing all of
# moto's 1300 images (describe_images without a filter) costs moto about 2 s each time.
IMAGE_NAME = "Windows_Server-2016-English-Nano-Base-2017.10.13"


def function_zip(source="def handler(event, context):\n    return 1\n"):
    """A Lambda deployment package holding ``source`` as index.py, for the functions tests create in moto."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def image_id(ec2):
    """The id of moto's image IMAGE_NAME; moto's first image if a moto release no longer has it."""
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": [IMAGE_NAME]}])["Images"] or ec2.describe_images()["Images"]
    return images[0]["ImageId"]


@pytest.fixture(scope="module")
def moto_aws(tmp_path_factory):
    """A started moto server for the tests of one module; stopped after them."""
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log")
    try:
        yield server
    finally:
        server.stop()

"""Offline stand-in for get-pip.py, used by ansible-test to put pip into its empty virtualenvs.

ansible-test runs this file as ``python get_pip_X_Y.py pip==X.Y --no-setuptools --no-wheel``.
"""

import subprocess
import sys

if __name__ == "__main__":
    # ensurepip must run in a child process: in-process it sets PIP_CONFIG_FILE=/dev/null,
    # which hides the system pip configuration (index and CA settings).
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    ARGS = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + ARGS)

"""Run the GuardDuty emulator: ``python tests/emulator/run.py [--scenario demo|NAME:ARG=VALUE,...|FILE] [--port 0]``.

Prints ``GDEMU_URL=http://host:port`` once listening and serves until SIGINT/SIGTERM.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import botocore  # noqa: F401  pylint: disable=unused-import
except ImportError:
    sys.exit(f'run.py: the GuardDuty emulator needs botocore >= 1.44.2, and this Python ({sys.executable}) has no botocore. '
             "Run it with scripts/emulator (the project's pinned virtualenv) or pip install 'botocore>=1.44.2'.")

from gdemu import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from gdemu import scenarios  # noqa: E402  pylint: disable=wrong-import-position
from gdemu.model import ModelTooOld, check_model  # noqa: E402  pylint: disable=wrong-import-position


def scenario_arguments(text):
    """``ARG=VALUE,...`` of ``--scenario NAME:ARG=VALUE,...`` -> {arg: value}: JSON numbers and true/false as such,
    ``a+b`` a list, anything else a string. ValueError for a pair without ``=``."""
    arguments = {}
    for pair in filter(None, text.split(',')):
        name, sep, raw = pair.partition('=')
        if not sep or not name.strip():
            raise ValueError(f'{pair!r} is not ARG=VALUE')
        values = [_value(item) for item in raw.split('+')]
        arguments[name.strip()] = values if len(values) > 1 else values[0]
    return arguments


def _value(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _scenario(value):
    """The scenario of --scenario: none (empty), NAME or NAME:ARG=VALUE,... (a builder), or a JSON file."""
    if value is None:
        return scenarios.empty()
    name, _sep, arguments = value.partition(':')
    if name in scenarios.BUILDERS:
        try:
            return scenarios.build(name, **scenario_arguments(arguments))
        except TypeError as exc:  # an argument the builder does not take
            raise ValueError(f'{exc}; see scripts/emulator --help') from None
    with open(value, encoding='utf-8') as handle:
        return json.load(handle)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Local Amazon GuardDuty investigation API emulator.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 = pick a free port')
    parser.add_argument('--scenario', help=f'a builder ({", ".join(sorted(scenarios.BUILDERS))}), with its arguments as '
                        'NAME:ARG=VALUE,... (tests/emulator/README.md, "Scenarios"), or a JSON file')
    parser.add_argument('--latency-ms', type=int, default=0, help='added to every data-plane request')
    parser.add_argument('--port-file', help='write the port number to this file once listening')
    args = parser.parse_args(argv)
    try:
        check_model()
    except ModelTooOld as exc:
        print(f'run.py: {exc}', file=sys.stderr)
        return 2

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    faults = {'latency_ms': args.latency_ms} if args.latency_ms else None
    try:
        scenario = _scenario(args.scenario)
    except (OSError, ValueError) as exc:
        parser.error(f'--scenario {args.scenario}: not a builder name and not a readable JSON file ({exc})')
    try:
        emulator = Emulator(scenario, faults=faults, host=args.host, port=args.port).start()
    except OSError as exc:
        print(f'run.py: cannot listen on {args.host}:{args.port}: {exc.strerror or exc} (--port 0 picks a free port)', file=sys.stderr)
        return 2
    try:
        if args.port_file:
            with open(args.port_file, 'w', encoding='utf-8') as handle:
                handle.write(f'{emulator.port}\n')
        print(f'GDEMU_URL={emulator.url}', flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())

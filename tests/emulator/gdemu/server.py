"""HTTP front end: SigV4 header check, routing, faults, model-driven parse/validate/serialise, control plane."""
from __future__ import annotations

import json
import re
import socket
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import faults as faults_mod
from . import regions as regions_mod
from . import scenarios
from .model import SERVICE_NAME, SERVICES, Router, check_model, error_body, logged_name, parse_request, serialize_output, service_model, validate
from .state import ApiError, CallContext, CallLog

CONTROL_PREFIX = '/_emulator/'
# The error each service answers for a request that does not fit its model.
INVALID_REQUEST = {SERVICE_NAME: 'BadRequestException', 'securityhub': 'InvalidInputException'}
SERVER_ERROR = {SERVICE_NAME: 'InternalServerErrorException', 'securityhub': 'InternalException'}
AUTH_RE = re.compile(r'AWS4-HMAC-SHA256 Credential=(?P<akid>[^/\s]+)/(?P<date>\d{8})/(?P<region>[^/\s]+)/(?P<service>[^/\s]+)/aws4_request,'
                     r'\s*SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})')


class _Response:
    def __init__(self, status, body=b'', headers=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def _error_response(code, message, status, service=SERVICE_NAME):
    return _Response(status, error_body(code, message, service), {'x-amzn-ErrorType': code})


def _json_response(status, data):
    return _Response(status, json.dumps(data, default=str).encode('utf-8'))


def _service_of(header):
    """The service of a SigV4 Authorization header's credential scope when it is one the emulator answers, else None."""
    match = AUTH_RE.match(header or '')
    return match['service'] if match and match['service'] in SERVICES else None


def _authenticate(header):
    """(access key id, region) from a SigV4 Authorization header for one of SERVICES; ApiError 403 otherwise. Never keeps
    the signature."""
    if not header:
        raise ApiError('UnrecognizedClientException', 'Missing Authentication Token: the request must be signed with AWS Signature '
                                                      'Version 4 (Authorization: AWS4-HMAC-SHA256 Credential=...).', 403)
    match = AUTH_RE.match(header)
    if not match:
        raise ApiError('UnrecognizedClientException', 'The Authorization header is not a valid AWS4-HMAC-SHA256 signature.', 403)
    if match['service'] not in SERVICES:
        raise ApiError('UnrecognizedClientException', f"Credential should be scoped to correct service: one of {', '.join(SERVICES)}, "
                                                      f"not {match['service']!r}.", 403)
    return match['akid'], match['region']


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's listen backlog is 5: a client opening dozens of connections at once (a task over ten Regions,
    # eight at a time in each) had its other connection attempts dropped and retried by TCP a second later - a
    # delay of the emulator, not of the client or of GuardDuty
    request_queue_size = 256

    def __init__(self, address, emulator):
        self.emulator = emulator
        self.open_sockets = set()
        self.sockets_lock = threading.Lock()
        self.accepted = 0
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self.sockets_lock:
            self.open_sockets.add(request)
            self.accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_open_sockets(self):
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    disable_nagle_algorithm = True
    server_version = 'gdemu'
    timeout = 60

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silence the default stderr access log (it would never include headers, but keep output clean)."""

    def _dispatch(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        emulator = self.server.emulator
        url = urlsplit(self.path)
        if url.path.startswith(CONTROL_PREFIX):
            response = emulator.control(self.command, url.path[len(CONTROL_PREFIX):].strip('/'), body, parse_qs(url.query))
        else:
            response = emulator.data_plane(self.command, url, self.headers, body)
        if response is None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self.send_response(response.status)
            headers = {'Content-Type': 'application/json', 'x-amzn-RequestId': str(uuid.uuid4())}
            headers.update(response.headers)
            headers['Content-Length'] = str(len(response.body))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class Emulator:
    """A local GuardDuty endpoint. ``Emulator(scenario).start()``, then point botocore at ``.url``.

    Each request is answered in the Region of its SigV4 credential scope (regions.World): a scenario without
    ``regions`` alike in every Region, one with ``regions`` in each Region separately. Where the Python API takes
    ``region``, None means the scenario's own Region (us-east-1 unless it says otherwise) for content and every
    Region for the call log.
    """

    def __init__(self, scenario=None, faults=None, host='127.0.0.1', port=0):
        check_model()  # one clear line instead of a NoShapeFoundError when botocore is too old
        self.host = host
        self.port = port
        self.routers = {service: Router(service_model(service)) for service in SERVICES}
        self.world = regions_mod.World()
        self.log = CallLog()
        self.faults = faults_mod.Faults()
        self.region_faults = {}
        self._faults_lock = threading.Lock()
        self._errors = []
        self._errors_lock = threading.Lock()
        self._server = None
        self._thread = None
        self.load(scenario)
        self.set_faults(**(faults or {}))

    # ------------------------------------------------------------ lifecycle

    def start(self):
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.1},
                                            name=f'gdemu-{self.port}', daemon=True)
            self._thread.start()
        return self

    def stop(self):
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_open_sockets()
            server.server_close()
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host = f'[{self.host}]' if ':' in self.host else self.host
        return f'http://{host}:{self.port}'

    # ------------------------------------------------------------ Python API

    @property
    def state(self):
        """The state of the scenario's top level: every Region's, or (a scenario with ``regions``) its own Region's."""
        return self.world.home

    @state.setter
    def state(self, value):
        self.world.home = value

    def load(self, scenario, region=None):
        """Replace the scenario (dict, or a builder name from scenarios.BUILDERS) and reset the call log.

        With ``region``: replace only that Region's content (the call log and the other Regions stay); from then on
        each Region is served separately (see regions.World.load_region).
        """
        if scenario is None:
            scenario = scenarios.empty()
        if region is not None:
            self.world.load_region(region, scenario)
            return
        self.world.load(scenario)
        self.log.reset()

    def put_findings(self, findings, region=None):
        """Add or update findings (botocore member names, optional ``detector_id``; upsert by Id, UpdatedAt defaults to now)
        in ``region`` (default: the scenario's own Region).

        Returns their ids; raises ValueError (and changes nothing) when one does not fit the model.
        """
        return self.world.put_findings(list(findings), region)

    def set_faults(self, region=None, **faults):
        """Replace the fault configuration (see faults.FAULT_KEYS) and reset fault counters.

        Without ``region``: every Region's faults (Region faults set before are dropped). With ``region``: that
        Region's own faults, with their own counters, instead of the others' for its calls.
        """
        if region is None:
            self.faults.configure(faults)
            with self._faults_lock:
                self.region_faults = {}
            return
        regions_mod.check_region(region)
        region_faults = faults_mod.Faults()
        region_faults.configure(faults)
        with self._faults_lock:
            self.region_faults[region] = region_faults

    def clear_faults(self):
        self.set_faults()

    def faults_for(self, region):
        with self._faults_lock:
            return self.region_faults.get(region, self.faults)

    def set_region_errors(self, errors=None, **by_region):
        """Make Regions fail: ``{"eu-west-1": "unreachable", ...}`` (regions.FAILURES); replaces the failures before,
        ``{}`` clears them. Keyword form for Python: ``set_region_errors(**{"eu-west-1": "access_denied"})``."""
        self.world.set_errors(dict(errors or {}, **by_region))

    @property
    def region_errors(self):
        return self.world.errors

    def calls(self, operation=None, investigation_id=None, region=None):
        """Logged calls, optionally of one operation, investigation or Region (default: every Region)."""
        return self.log.calls(operation, investigation_id, region)

    def count(self, operation=None, investigation_id=None, region=None):
        return len(self.log.calls(operation, investigation_id, region))

    def created(self, region=None):
        return self.log.created(region)

    def reset_log(self):
        self.log.reset()

    @property
    def connections_accepted(self):
        """TCP connections accepted so far (keep-alive check)."""
        return self._server.accepted if self._server else 0

    @property
    def emulator_errors(self):
        with self._errors_lock:
            return list(self._errors)

    def client(self, region_name='us-east-1', service=SERVICE_NAME, **config):
        """A botocore client of ``service`` (guardduty, or securityhub) for this endpoint (test credentials; ``config`` ->
        botocore Config)."""
        import botocore.config  # pylint: disable=import-outside-toplevel
        import botocore.session  # pylint: disable=import-outside-toplevel
        return botocore.session.get_session().create_client(
            service, endpoint_url=self.url, region_name=region_name, aws_access_key_id='AKIDEMULATORTESTKEY00000000000001',
            aws_secret_access_key='emulator-test-secret-key-that-cannot-occur-in-data-0001', config=botocore.config.Config(**config))

    # ------------------------------------------------------------ finding updates, filters, Security Hub

    def _region_state(self, region):
        return self.world.state(region or self.world.home_region)

    def finding(self, finding_id, region=None):
        """GuardDuty's finding ``finding_id`` as GetFindings returns it (a copy), or None."""
        with self._region_state(region)._lock:  # pylint: disable=protected-access
            item = self._region_state(region)._findings.get(finding_id)  # pylint: disable=protected-access
            return None if item is None else json.loads(json.dumps(item['finding']))

    def feedback(self, finding_id, region=None):
        """The last UpdateFindingsFeedback of a finding: {"Feedback", "Comments"} (Comments are not part of a Finding), or None."""
        return self._region_state(region).feedback.get(finding_id)

    def filters(self, detector_id=None, region=None):
        """{name: filter (GetFilter's members)} of a detector (default: the Region's first)."""
        state = self._region_state(region)
        with state._lock:  # pylint: disable=protected-access
            detector_id = detector_id or next(iter(state._detectors), None)  # pylint: disable=protected-access
            return json.loads(json.dumps(state._filters.get(detector_id, {}), default=str))  # pylint: disable=protected-access

    def set_securityhub(self, enabled=None, not_imported=None, region=None):
        """Switch the Region's Security Hub on or off (off: every call answers 401 InvalidAccessException, as in an account
        that has not enabled it), or name the GuardDuty findings it has not received yet (None: unchanged)."""
        state = self._region_state(region)
        with state._lock:  # pylint: disable=protected-access
            state.securityhub.configure(enabled, not_imported)

    def securityhub_finding(self, finding_id, region=None):
        """The Security Hub finding of a GuardDuty finding (id or ARN) as GetFindings returns it, or None."""
        state = self._region_state(region)
        with state._lock:  # pylint: disable=protected-access
            return state.securityhub.finding(finding_id)

    def _record_error(self, operation, message):
        with self._errors_lock:
            self._errors.append({'operation': operation, 'time': time.time(), 'error': message})

    # ------------------------------------------------------------ data plane

    def data_plane(self, method, url, headers, body):
        """One API request -> _Response, or None to drop the connection."""
        entry = {'operation': None, 'service': None, 'detector_id': None, 'investigation_id': None, 'status': None, 'time': time.time(),
                 'access_key_id': None, 'region': None, 'error': None, 'created': False}
        response = self._answer(method, url, headers, body, entry)
        entry['status'] = response.status if response is not None else 0
        if response is not None and response.status >= 400:
            entry['error'] = response.headers.get('x-amzn-ErrorType')
        self.log.add(entry)
        return response

    def _answer(self, method, url, headers, body, entry):
        service = _service_of(headers.get('Authorization')) or SERVICE_NAME
        entry['service'] = service
        operation, labels = self.routers[service].resolve(method, url.path)
        name = logged_name(service, operation.name) if operation is not None else None
        try:
            params, errors = {}, []
            if operation is not None:
                entry['operation'] = name
                params, errors = parse_request(operation, labels, parse_qs(url.query, keep_blank_values=True), headers, body)
                entry['detector_id'] = params.get('DetectorId')
                entry['investigation_id'] = params.get('InvestigationId')
            entry['access_key_id'], entry['region'] = _authenticate(headers.get('Authorization'))
            if operation is None:
                label = 'GuardDuty' if service == SERVICE_NAME else service
                raise ApiError('UnknownOperationException', f'No {label} operation matches {method} {url.path}', 404, service=service)
            if self.world.failure(entry['region']) == regions_mod.UNREACHABLE:
                return None
            decision = self.faults_for(entry['region']).decide(name)
            if decision.delay:
                time.sleep(decision.delay)
            if decision.action == faults_mod.DROP:
                return None
            if decision.action == faults_mod.THROTTLE:
                # Security Hub throttles with LimitExceededException (429), which botocore retries as throttling
                raise ApiError('ThrottlingException' if service == SERVICE_NAME else 'LimitExceededException', 'Rate exceeded', 429,
                               service=service)
            if decision.action == faults_mod.FAIL:
                raise ApiError(SERVER_ERROR[service], 'Internal server error (injected fault).', 500, service=service)
            errors += validate(params, operation.input_shape)
            if errors:
                raise ApiError(INVALID_REQUEST[service], '; '.join(errors), service=service)
            ctx = CallContext(region=entry['region'], access_key_id=entry['access_key_id'], now=time.time(), service=service)
            output, entry['investigation_id'], entry['created'] = self.world.handle(operation.name, params, ctx)
            problems = validate(output, operation.output_shape, 'output')
            if problems:
                self._record_error(name, '; '.join(problems))
                raise ApiError(SERVER_ERROR[service], 'gdemu produced a response that does not fit the model: ' + '; '.join(problems[:3]),
                               500, service=service)
            extra_headers, payload = serialize_output(output, operation.output_shape)
            return _Response(operation.http.get('responseCode', 200), payload, extra_headers)
        except ApiError as exc:
            return _error_response(exc.code, exc.message, exc.status, exc.service)
        except Exception:  # pylint: disable=broad-exception-caught
            self._record_error(name, traceback.format_exc())
            return _error_response(SERVER_ERROR[service], 'gdemu internal error (see emulator_errors).', 500, service)

    # ------------------------------------------------------------ control plane

    def control(self, method, action, body, query=None):
        """``/_emulator/<action>[?region=<Region>]``: scenario, findings, faults, region-errors, log, reset-log, health (JSON, no auth)."""
        try:
            data = json.loads(body) if body.strip() else {}
            region = (query or {}).get('region', [None])[-1] or None
            if region is not None:
                regions_mod.check_region(region, 'region=')
            if method == 'GET' and action == 'health':
                faults = self.faults.config
                with self._faults_lock:
                    if self.region_faults:
                        faults = dict(faults, regions={name: item.config for name, item in self.region_faults.items()})
                return _json_response(200, {'status': 'ok', 'url': self.url, 'state': self.world.summary(region), 'faults': faults})
            if method == 'GET' and action == 'log':
                snapshot = self.log.snapshot(region)
                snapshot['emulator_errors'] = self.emulator_errors
                return _json_response(200, snapshot)
            if method == 'POST' and action == 'reset-log':
                self.reset_log()
                return _json_response(200, {'ok': True})
            if method == 'POST' and action == 'faults':
                self.set_faults(region, **data)
                return _json_response(200, {'ok': True, 'faults': self.faults_for(region).config})
            if method == 'POST' and action == 'region-errors':
                self.set_region_errors(data)
                return _json_response(200, {'ok': True, 'region_errors': self.region_errors})
            if method == 'POST' and action == 'securityhub':
                unknown = sorted(set(data) - {'enabled', 'not_imported'})
                if unknown:
                    raise ValueError(f'unknown securityhub key(s): {", ".join(unknown)}; valid: enabled, not_imported')
                self.set_securityhub(data.get('enabled'), data.get('not_imported'), region)
                return _json_response(200, {'ok': True, 'securityhub': self._region_state(region).securityhub.summary()})
            if method == 'POST' and action == 'findings':
                if not isinstance(data, dict) or not isinstance(data.get('findings'), list):
                    raise ValueError('body must be {"findings": [<Finding>, ...]}')
                return _json_response(200, {'ok': True, 'findings': self.put_findings(data['findings'], region)})
            if method == 'POST' and action == 'scenario':
                if 'name' in data and 'detectors' not in data:
                    # {"name", "args"} (plus "regions", "region_errors") names a builder, as it always did
                    builder = set(data) <= regions_mod.BUILDER_REFERENCE_KEYS
                    data = regions_mod.resolve(data) if builder else scenarios.build(data['name'], **data.get('args', {}))
                self.load(data, region)
                return _json_response(200, {'ok': True, 'state': self.world.summary(region)})
        except (ValueError, TypeError) as exc:
            return _json_response(400, {'error': str(exc)})
        return _json_response(404, {'error': f'unknown control endpoint {method} {CONTROL_PREFIX}{action}',
                                    'endpoints': ['GET health', 'GET log', 'POST reset-log', 'POST faults', 'POST region-errors',
                                                  'POST scenario', 'POST findings', 'POST securityhub']})

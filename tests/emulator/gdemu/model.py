"""Generic rest-json wire handling derived from botocore's service models (GuardDuty, and Security Hub beside it).

Nothing in here knows a wire name: routing comes from ``http.requestUri``, member wire names from
``serialization['name']`` and constraints from shape metadata. Every function takes the service (its SigV4 signing
name) and defaults to GuardDuty's.
"""
from __future__ import annotations

import base64
import datetime
import functools
import json
import math
import re
import sys
from urllib.parse import unquote

import botocore
import botocore.session
from botocore.model import NoShapeFoundError
from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator

SERVICE_NAME = 'guardduty'
SECURITYHUB = 'securityhub'
# The services the emulator answers, told apart by the service of a request's SigV4 credential scope.
SERVICES = (SERVICE_NAME, SECURITYHUB)

# The emulator serves today's investigation API: ListInvestigationRecords, Investigation.SummaryData and .Scope came
# with botocore 1.44.2 (create/get/list with 1.43.35). An older client can still talk to it; the emulator needs the model.
MIN_BOTOCORE = '1.44.2'
REQUIRED_OPERATIONS = ('CreateInvestigation', 'GetInvestigation', 'ListInvestigations', 'ListInvestigationRecords')
REQUIRED_MEMBERS = {'Investigation': ('SummaryData', 'Scope')}


class ModelTooOld(RuntimeError):
    """botocore's GuardDuty service model lacks the investigation API the emulator serves."""


@functools.lru_cache(maxsize=None)
def service_model(service=SERVICE_NAME):
    """The botocore service model of ``service`` (GuardDuty by default; loaded once)."""
    return botocore.session.get_session().get_service_model(service)


def check_model():
    """Raise ModelTooOld, one line saying which botocore is needed, unless the model has the whole investigation API."""
    model = service_model()
    missing = [name for name in REQUIRED_OPERATIONS if name not in model.operation_names]
    for shape_name, members in REQUIRED_MEMBERS.items():
        if shape_name in model.shape_names:
            missing += [f'{shape_name}.{member}' for member in members if member not in model.shape_for(shape_name).members]
    if missing:
        raise ModelTooOld(
            f'the GuardDuty emulator needs botocore >= {MIN_BOTOCORE}, but this Python ({sys.executable}) has botocore '
            f'{botocore.__version__}, whose GuardDuty model lacks {", ".join(missing)}. Run it with scripts/emulator '
            f"(the project's pinned virtualenv) or install botocore >= {MIN_BOTOCORE} (pip install 'botocore>={MIN_BOTOCORE}')."
        )


@functools.lru_cache(maxsize=None)
def named_shape(name, service=SERVICE_NAME):
    """A named shape of the service's model, cached so botocore's per-shape member caches are reused."""
    return service_model(service).shape_for(name)


def documented_list(documentation):
    """The items of the first bulleted list of a model documentation string (``<li><p>item</p>...</li>``), in order:
    e.g. the finding criterion fields GuardDuty documents for CreateFilter's FindingCriteria."""
    items = re.findall(r'<li>\s*<p>([^<]+)</p>', documentation or '')
    return [item.strip() for item in items]


def logged_name(service, operation):
    """How the call log, faults and denied operations name an operation: GuardDuty's by its name (as they always
    have), another service's by its IAM action form, ``securityhub:GetFindings`` (Security Hub has a GetFindings too)."""
    return operation if service == SERVICE_NAME else f'{service}:{operation}'


def operation_names():
    """Every operation name the call log, faults and denied operations accept (see logged_name)."""
    return {logged_name(service, name) for service in SERVICES for name in service_model(service).operation_names}


def values_at(data, path):
    """Every value at a member path (names of botocore members) through dicts and lists, lists flattened."""
    values = [data]
    for name in path:
        nxt = []
        for value in values:
            value = value.get(name) if isinstance(value, dict) else None
            if isinstance(value, list):
                nxt.extend(value)
            elif value is not None:
                nxt.append(value)
        values = nxt
    return values


def wire_name(member_name, member_shape):
    return member_shape.serialization.get('name', member_name)


# ---------------------------------------------------------------- routing

class Route:
    """One operation's ``method`` + ``requestUri`` template."""

    def __init__(self, operation):
        self.operation = operation
        self.method = operation.http['method']
        path = operation.http['requestUri'].split('?', 1)[0].strip('/')
        self.segments = path.split('/') if path else []
        self.literals = sum(1 for seg in self.segments if not seg.startswith('{'))

    def match(self, parts):
        labels = {}
        for index, seg in enumerate(self.segments):
            if index >= len(parts):
                return None
            if seg.startswith('{') and seg.endswith('+}'):
                labels[seg[1:-2]] = unquote('/'.join(parts[index:]))
                return labels
            if seg.startswith('{'):
                if not parts[index]:
                    return None
                labels[seg[1:-1]] = unquote(parts[index])
            elif seg != parts[index]:
                return None
        return labels if len(parts) == len(self.segments) else None


class Router:
    """Maps (method, path) to an operation model of the service, most specific template first."""

    def __init__(self, model=None):
        model = model or service_model()
        routes = [Route(model.operation_model(name)) for name in model.operation_names]
        self.routes = sorted(routes, key=lambda route: -route.literals)

    def resolve(self, method, path):
        path = path.strip('/')
        parts = path.split('/') if path else []
        for route in self.routes:
            if route.method == method:
                labels = route.match(parts)
                if labels is not None:
                    return route.operation, labels
        return None, None


# ---------------------------------------------------------------- request parsing

def _from_text(text, shape):
    """Convert a URI label / querystring / header value to the shape's Python type."""
    kind = shape.type_name
    try:
        if kind in ('integer', 'long'):
            return int(text)
        if kind in ('float', 'double'):
            return float(text)
    except ValueError:
        return text
    if kind == 'boolean' and text in ('true', 'false'):
        return text == 'true'
    if kind == 'timestamp':
        try:
            return parse_timestamp(text)
        except (ValueError, TypeError):
            return text
    return text


def _from_json(value, shape, path, errors):
    kind = shape.type_name
    if kind == 'structure' and isinstance(value, dict):
        return _members_from_json(value, shape.members, path, errors)
    if kind == 'list' and isinstance(value, list):
        return [_from_json(item, shape.member, f'{path}[{index}]', errors) for index, item in enumerate(value)]
    if kind == 'map' and isinstance(value, dict):
        return {key: _from_json(item, shape.value, f'{path}[{key!r}]', errors) for key, item in value.items()}
    if kind == 'timestamp' and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    if kind == 'blob' and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            return value
    return value


def _members_from_json(data, members, path, errors):
    by_wire = {wire_name(name, shape): (name, shape) for name, shape in members.items()}
    out = {}
    for key, value in data.items():
        if key not in by_wire:
            errors.append(f'Unknown parameter in {path}: "{key}", must be one of: {", ".join(sorted(by_wire))}')
            continue
        name, shape = by_wire[key]
        if value is not None:
            out[name] = _from_json(value, shape, f'{path}.{name}', errors)
    return out


def parse_request(operation, labels, query, headers, body):
    """Wire request -> (params with botocore member names, list of parse errors)."""
    shape = operation.input_shape
    errors = []
    if shape is None:
        return {}, errors
    params, body_members = {}, {}
    query = dict(query)
    for name, member in shape.members.items():
        location = member.serialization.get('location')
        wire = wire_name(name, member)
        if location == 'uri' and wire in labels:
            params[name] = _from_text(labels[wire], member)
        elif location == 'querystring' and wire in query:
            values = query.pop(wire)
            if member.type_name == 'list':
                params[name] = [_from_text(value, member.member) for value in values]
            else:
                params[name] = _from_text(values[-1], member)
        elif location == 'header' and headers.get(wire) is not None:
            params[name] = _from_text(headers.get(wire), member)
        elif location is None:
            body_members[name] = member
    errors.extend(f'Unknown query parameter "{key}"' for key in sorted(query))
    if body_members and body.strip():
        try:
            data = json.loads(body)
        except ValueError as exc:
            return params, errors + [f'Request body is not valid JSON: {exc}']
        if not isinstance(data, dict):
            return params, errors + ['Request body must be a JSON object']
        params.update(_members_from_json(data, body_members, 'input', errors))
    elif body.strip() and operation.http['method'] != 'GET':
        errors.append('This operation takes no request body')
    return params, errors


# ---------------------------------------------------------------- validation

def _constraint_errors(value, shape, path, errors):
    """Checks botocore's ParamValidator leaves out: max, enum, pattern (recursively)."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == 'structure' and isinstance(value, dict):
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _constraint_errors(value[name], member, f'{path}.{name}', errors)
    elif kind == 'list' and isinstance(value, list):
        if 'max' in meta and len(value) > meta['max']:
            errors.append(f'Invalid length for parameter {path}, length: {len(value)}, valid max length: {meta["max"]}')
        for index, item in enumerate(value):
            _constraint_errors(item, shape.member, f'{path}[{index}]', errors)
    elif kind == 'map' and isinstance(value, dict):
        if 'max' in meta and len(value) > meta['max']:
            errors.append(f'Invalid length for parameter {path}, length: {len(value)}, valid max length: {meta["max"]}')
        for key, item in value.items():
            _constraint_errors(key, shape.key, f'{path} (key {key!r})', errors)
            _constraint_errors(item, shape.value, f'{path}[{key!r}]', errors)
    elif kind == 'string' and isinstance(value, str):
        if 'max' in meta and len(value) > meta['max']:
            errors.append(f'Invalid length for parameter {path}, length: {len(value)}, valid max length: {meta["max"]}')
        if 'enum' in meta and value not in meta['enum']:
            errors.append(f'Invalid value for parameter {path}, value: {value!r}, valid values: {", ".join(meta["enum"])}')
        if 'pattern' in meta and not re.fullmatch(meta['pattern'], value):
            errors.append(f'Invalid value for parameter {path}, value: {value[:80]!r}, must match pattern: {meta["pattern"]}')
    elif kind in ('integer', 'long', 'float', 'double') and isinstance(value, (int, float)) and not isinstance(value, bool):
        if 'max' in meta and value > meta['max']:
            errors.append(f'Invalid value for parameter {path}, value: {value}, valid max value: {meta["max"]}')


def validate(params, shape, root='input'):
    """Full validation of Python-named params against a shape; returns a list of messages."""
    if shape is None:
        return []
    report = ParamValidator().validate(params, shape)
    errors = report.generate_report().splitlines() if report.has_errors() else []
    _constraint_errors(params, shape, root, errors)
    return errors


# ---------------------------------------------------------------- serialisation

def to_epoch(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return round(value.timestamp(), 3)
    if isinstance(value, (int, float)):
        return round(float(value), 3)
    return round(parse_timestamp(value).timestamp(), 3)


def iso_ms(epoch):
    """GuardDuty's (and Security Hub's) time format: ISO-8601 UTC with milliseconds (``2026-12-01T09:57:01.123Z``)."""
    stamp = datetime.datetime.fromtimestamp(math.floor(epoch * 1000) / 1000, datetime.timezone.utc)
    return stamp.strftime('%Y-%m-%dT%H:%M:%S.') + f'{stamp.microsecond // 1000:03d}Z'


def serialize(value, shape):
    """Python (member names) -> JSON-able wire value for one shape."""
    kind = shape.type_name
    if kind == 'structure':
        return {
            wire_name(name, member): serialize(value[name], member)
            for name, member in shape.members.items()
            if value.get(name) is not None and member.serialization.get('location') is None
        }
    if kind == 'list':
        return [serialize(item, shape.member) for item in value]
    if kind == 'map':
        return {key: serialize(item, shape.value) for key, item in value.items()}
    if kind == 'timestamp':
        return to_epoch(value)
    if kind == 'blob':
        return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()
    return value


def serialize_output(output, shape):
    """Output dict -> (extra headers, JSON body bytes)."""
    headers = {}
    if shape is None:
        return headers, b'{}'
    for name, member in shape.members.items():
        if member.serialization.get('location') == 'header' and output.get(name) is not None:
            headers[wire_name(name, member)] = str(output[name])
    body = serialize(output, shape)
    return headers, json.dumps(body, ensure_ascii=False, separators=(',', ':')).encode('utf-8')


def to_wire_text(value, shape_name):
    """A shape's wire JSON encoded as a string (e.g. SummaryData -> the text Summary)."""
    return json.dumps(serialize(value, named_shape(shape_name)), ensure_ascii=False, separators=(',', ':'))


# ---------------------------------------------------------------- errors

def _error_template_shape(code, service=SERVICE_NAME):
    try:
        if named_shape(code, service).metadata.get('exception'):
            return named_shape(code, service), True
    except NoShapeFoundError:
        pass
    return next(item for item in service_model(service).error_shapes if 'Message' in item.members), False


def error_status(code, default=400, service=SERVICE_NAME):
    template, modeled = _error_template_shape(code, service)
    if modeled:
        return template.metadata.get('error', {}).get('httpStatusCode', default)
    return default


def error_body(code, message, service=SERVICE_NAME):
    """Error body with the member wire names of the (or a) modeled error shape of ``service``, plus ``__type``."""
    template, _modeled = _error_template_shape(code, service)
    data = {name: value for name, value in (('Message', message), ('Type', code), ('Code', code)) if name in template.members}
    body = serialize(data, template)
    body['__type'] = code
    return json.dumps(body, ensure_ascii=False).encode('utf-8')


def enum_values(shape_name, member_name):
    """Enum of a structure member (its model order), e.g. for sorting."""
    return list(named_shape(shape_name).members[member_name].enum)

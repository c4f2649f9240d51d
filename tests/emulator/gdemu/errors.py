"""The emulator's modeled error answers: ApiError (code, message, HTTP status of the service's model) and helpers."""
from __future__ import annotations

from .model import SERVICE_NAME, error_status


class ApiError(Exception):
    """A modeled (or throttling/auth) error answer of ``service`` (GuardDuty unless said)."""

    def __init__(self, code, message, status=None, service=SERVICE_NAME):
        super().__init__(message)
        self.code = code
        self.message = message
        self.service = service
        self.status = status or error_status(code, service=service)


def bad_request(message):
    """GuardDuty's 400 BadRequestException."""
    return ApiError('BadRequestException', message)

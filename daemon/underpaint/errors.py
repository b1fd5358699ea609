"""Errors the service layer raises; each transport maps them to its own status codes.

Messages are written for the person who sent the request: they name the field and the
allowed range, so a plugin can show them as they are.
"""


class ServiceError(Exception):
    """A request the daemon refuses; `code` is a gRPC status name (e.g. "INVALID_ARGUMENT")."""

    code = "INTERNAL"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidArgument(ServiceError):
    code = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFound(ServiceError):
    code = "NOT_FOUND"


class FailedPrecondition(ServiceError):
    code = "FAILED_PRECONDITION"


class ResourceExhausted(ServiceError):
    code = "RESOURCE_EXHAUSTED"


class Unimplemented(ServiceError):
    """A protocol feature this daemon build does not offer (yet)."""

    code = "UNIMPLEMENTED"


class Unauthenticated(ServiceError):
    code = "UNAUTHENTICATED"


class JobCancelled(Exception):
    """Raised inside a running job (from the step callback) to stop it between two steps."""

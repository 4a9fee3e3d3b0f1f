"""Domain errors raised by services, turned into French pages or JSON by one handler."""


class DomainError(Exception):
    """A rule said no; status is the HTTP status the caller gets."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status_code = status


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The lifecycle forbids this change now."""

    status_code = 409


class InvalidInput(DomainError):
    """One or more fields are wrong; errors maps each field to its French message."""

    status_code = 422

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class LoginRequired(Exception):
    """An HTML page needs a signed-in user: redirect to the sign-in page."""

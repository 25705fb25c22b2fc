"""Tablestore service errors: the real service's codes, each with the HTTP status it travels with."""

from __future__ import annotations

# code -> HTTP status, as the service answers them.
STATUS_BY_CODE: dict[str, int] = {
    "OTSAuthFailed": 403,
    "OTSConditionCheckFail": 403,
    "OTSNotEnoughCapacityUnit": 403,
    "OTSQuotaExhausted": 403,
    "OTSParameterInvalid": 400,
    "OTSInvalidPK": 400,
    "OTSObjectNotExist": 404,
    "OTSTableNotReady": 404,
    "OTSTrimmedDataAccess": 404,
    "OTSObjectAlreadyExist": 409,
    "OTSRowOperationConflict": 409,
    "OTSRequestBodyTooLarge": 413,
    "OTSInternalServerError": 500,
    "OTSServerBusy": 503,
    "OTSServerUnavailable": 503,
    "OTSPartitionUnavailable": 503,
    "OTSTimeout": 503,
    "OTSOperationThrottled": 503,
}

# bare HTTP status (a "status" fault) -> the code a real front end would put in the body.
CODE_BY_STATUS: dict[int, str] = {
    400: "OTSParameterInvalid",
    403: "OTSAuthFailed",
    404: "OTSObjectNotExist",
    409: "OTSObjectAlreadyExist",
    413: "OTSRequestBodyTooLarge",
    500: "OTSInternalServerError",
    502: "OTSServerUnavailable",
    503: "OTSServerUnavailable",
}

UNSUPPORTED_FILTERS = "column conditions/filters are not supported by localcloud"


class OTSError(Exception):
    """An error answered to the client as a protobuf ``Error{code, message}``."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS_BY_CODE.get(code, 400)


def invalid(message: str) -> OTSError:
    return OTSError("OTSParameterInvalid", message)


def unsupported(what: str) -> OTSError:
    """A field or API the real service has and this local server does not: said plainly, never
    answered wrongly."""
    return OTSError("OTSParameterInvalid", f"{what} is not supported by localcloud")


def invalid_pk(what: str, given, expected) -> OTSError:
    """A primary key that does not fit the table's schema, in the service's words."""
    return OTSError("OTSInvalidPK", f"Validate PK {what} fail. Input: {given}, Meta: {expected}.")


def table_not_exist(name: str) -> OTSError:
    return OTSError("OTSObjectNotExist", "Requested table does not exist.")  # the service names no table


def condition_failed() -> OTSError:
    return OTSError("OTSConditionCheckFail", "Condition check failed.")


def auth_failed(message: str) -> OTSError:
    return OTSError("OTSAuthFailed", message)

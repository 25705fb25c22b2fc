"""MaxCompute errors with the real service's codes, and the HTTP status each code travels with.

The REST API answers errors as ``<Error><Code/><Message/><RequestId/><HostId/></Error>`` XML, the
tunnel as ``{"Code", "Message", "RequestId"}`` JSON; pyodps maps ``Code`` onto its exception
classes (``NoSuchObject`` makes ``exist_table`` false, ...). SQL failures are not HTTP errors:
they end an instance as FAILED with an ``ODPS-xxxxxxx`` message, see :class:`SqlError`.
"""

from __future__ import annotations

STATUS_BY_CODE = {
    "InvalidArgument": 400,
    "InvalidPartitionSpec": 400,
    "InvalidSchema": 400,
    "MalformedDataStream": 400,
    "MalformedXML": 400,
    "InvalidStatus": 400,
    "InstanceTypeNotSupported": 400,
    "TableModified": 400,
    "InvalidRowRange": 400,
    "UnsupportedEncoding": 400,
    "AuthorizationRequired": 401,
    "SignatureNotMatch": 403,
    "AuthenticationRequestExpired": 403,
    "NoPermission": 403,
    "NoSuchObject": 404,
    "NoSuchProject": 404,
    "NoSuchTable": 404,
    "NoSuchPartition": 404,
    "NoSuchUpload": 404,
    "NoSuchDownload": 404,
    "NoSuchInstance": 404,
    "MethodNotAllowed": 405,
    "ObjectAlreadyExists": 409,
    "StatusConflict": 409,
    "FlowExceeded": 429,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
}

CODE_BY_STATUS = {
    400: "InvalidArgument",
    401: "AuthorizationRequired",
    403: "NoPermission",
    404: "NoSuchObject",
    405: "MethodNotAllowed",
    409: "StatusConflict",
    429: "FlowExceeded",
    503: "ServiceUnavailable",
}


class MaxComputeError(Exception):
    """An error answered over HTTP: ``code`` is the service's code, ``status`` its HTTP status."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status or STATUS_BY_CODE.get(code, 500)

    @classmethod
    def for_fault(cls, code: str | None, status: int | None) -> MaxComputeError:
        """The error an injected fault answers with (a code, a bare status, or both)."""
        if code is None:
            code = CODE_BY_STATUS.get(status or 500, "InternalServerError")
        return cls(code, f"injected fault {code}", status)


def no_such_table(project: str, table: str, code: str = "NoSuchObject") -> MaxComputeError:
    return MaxComputeError(code, f"ODPS-0130131:Table not found - table {project}.{table} cannot be resolved")


def no_such_partition(table: str, spec: str, code: str = "NoSuchObject") -> MaxComputeError:
    return MaxComputeError(code, f"ODPS-0130131:Partition not found - partition ({spec}) of table {table}")


def invalid_partition_spec(detail: str) -> MaxComputeError:
    return MaxComputeError("InvalidPartitionSpec", f"Invalid partition spec: {detail}")


class SqlError(Exception):
    """A statement failed: the instance ends FAILED with this ``ODPS-xxxxxxx`` message.

    pyodps turns the code into an exception class (``ODPS-0130161`` ParseError,
    ``ODPS-0130131`` NoSuchTable, others a plain ODPSError).
    """

    PARSE = "ODPS-0130161"
    SEMANTIC = "ODPS-0130071"
    NOT_FOUND = "ODPS-0130131"

    def __init__(self, odps_code: str, kind: str, detail: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"{odps_code}:[{line},{column}] {kind} - {detail}")
        self.text = str(self)

    @classmethod
    def parse(cls, detail: str, line: int = 1, column: int = 1) -> SqlError:
        return cls(cls.PARSE, "Parse exception", detail, line, column)

    @classmethod
    def semantic(cls, detail: str) -> SqlError:
        return cls(cls.SEMANTIC, "Semantic analysis exception", detail)

    @classmethod
    def from_error(cls, error: MaxComputeError) -> SqlError:
        """A catalog/storage error raised while running a statement."""
        if error.code in ("NoSuchObject", "NoSuchTable"):
            return cls(cls.NOT_FOUND, "Table not found", error.message.split(" - ", 1)[-1])
        return cls.semantic(error.message)

"""OSS error codes with the HTTP status and message the real service answers them with."""

from __future__ import annotations

# code -> (HTTP status, message as OSS writes it)
ERRORS: dict[str, tuple[int, str]] = {
    "AccessDenied": (403, "You have no right to access this object because of bucket acl."),
    "BadDigest": (400, "The Content-MD5 you specified did not match what we received."),
    "BucketAlreadyExists": (409, "The requested bucket name is not available. The bucket namespace is "
                                 "shared by all users of the system. Please select a different name and try again."),
    "BucketNotEmpty": (409, "The bucket has objects. Please delete them first."),
    "EntityTooLarge": (400, "Your proposed upload exceeds the maximum allowed size."),
    "EntityTooSmall": (400, "Your proposed upload is smaller than the minimum allowed size."),
    "FileAlreadyExists": (409, "The object you specified already exists and can not be overwritten."),
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "InvalidAccessKeyId": (403, "The OSS Access Key Id you provided does not exist in our records."),
    "InvalidArgument": (400, "Invalid argument."),
    "InvalidBucketName": (400, "The specified bucket is not valid."),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid."),
    "InvalidObjectName": (400, "The specified object is not valid."),
    "InvalidObjectState": (403, "The operation is not valid for the object's state"),
    "InvalidPart": (400, "One or more of the specified parts could not be found or the specified entity "
                         "tag might not have matched the part's entity tag."),
    "InvalidPartOrder": (400, "The list of parts was not in ascending order. The parts list must be "
                              "specified in order by part number."),
    "InvalidRange": (416, "The requested range cannot be satisfied"),
    "MalformedXML": (400, "The XML you provided was not well-formed or did not validate against our "
                          "published schema."),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource."),
    "MissingArgument": (400, "Missing Some Required Arguments."),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header."),
    "NoSuchBucket": (404, "The specified bucket does not exist."),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchUpload": (404, "The specified upload does not exist. The upload ID may be invalid, or the "
                          "upload may have been aborted or completed."),
    "NotImplemented": (501, "A header you provided implies functionality that is not implemented."),
    "NotModified": (304, "Not Modified"),
    "ObjectNotAppendable": (409, "The object is not appendable"),
    "PositionNotEqualToLength": (409, "Position is not equal to file length"),
    "PreconditionFailed": (412, "At least one of the pre-conditions you specified did not hold."),
    "RequestTimeTooSkewed": (403, "The difference between the request time and the current time is too large."),
    "ServiceUnavailable": (503, "Please reduce your request rate."),
    "SignatureDoesNotMatch": (403, "The request signature we calculated does not match the signature you "
                                   "provided. Check your key and signing method."),
}

# The code a bare HTTP status is reported with (fault injection of kind "status").
CODE_FOR_STATUS = {400: "InvalidArgument", 403: "AccessDenied", 404: "NoSuchKey", 409: "FileAlreadyExists",
                   500: "InternalError", 503: "ServiceUnavailable"}


class OssError(Exception):
    """An error answered as ``<Error><Code/><Message/><RequestId/><HostId/>...</Error>``.

    ``fields`` are extra elements OSS adds for some codes (``Key``, ``BucketName``, ``UploadId``,
    ``OSSAccessKeyId``, ...); ``headers`` are extra response headers (``x-oss-next-append-position``).
    """

    def __init__(self, code: str, message: str | None = None, *, status: int | None = None,
                 headers: dict[str, str] | None = None, **fields: str) -> None:
        known_status, known_message = ERRORS.get(code, (500, code))
        self.code = code
        self.status = status or known_status
        self.message = message or known_message
        self.fields = fields
        self.headers = headers or {}
        super().__init__(f"{self.status} {code}: {self.message}")

    @classmethod
    def for_status(cls, status: int, code: str | None = None) -> OssError:
        """An error with a given HTTP status, named by ``code`` or the status' usual code."""
        return cls(code or CODE_FOR_STATUS.get(status, "InternalError"), status=status)


def invalid_argument(message: str, name: str, value: str) -> OssError:
    """``InvalidArgument`` naming the offending argument, as OSS does."""
    return OssError("InvalidArgument", message, ArgumentName=name, ArgumentValue=value)

"""Decoding the google.rpc.Status details of a failed call."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import grpc
from google.rpc import error_details_pb2, status_pb2

# The trailer gRPC servers put a serialized google.rpc.Status in.
_DETAILS_KEY = "grpc-status-details-bin"


@dataclass
class RichError:
    """A failed call: its code and message, and the details it carried."""

    code: grpc.StatusCode
    message: str
    # google.rpc.ErrorInfo: branch on `reason` (docs/API.md lists them);
    # `domain` is "seedance.gateway".
    reason: Optional[str] = None
    domain: Optional[str] = None
    metadata: Dict[str, str] = field(default_factory=dict)
    # google.rpc.BadRequest: (field path, description) for every violation.
    field_violations: List[Tuple[str, str]] = field(default_factory=list)
    # google.rpc.RetryInfo: seconds to wait before retrying, when given.
    retry_delay: Optional[float] = None

    def __str__(self) -> str:
        parts = [f"{self.code.name}: {self.message}"]
        if self.reason:
            parts.append(f"reason={self.reason}")
        for path, why in self.field_violations:
            parts.append(f"{path}: {why}")
        if self.retry_delay is not None:
            parts.append(f"retry in {self.retry_delay:g}s")
        return "; ".join(parts)


def rich_error(error: grpc.RpcError) -> RichError:
    """The code, message and decoded details of `error` (a failed call)."""
    out = RichError(code=error.code(), message=error.details() or "")
    for key, value in error.trailing_metadata() or ():
        if key != _DETAILS_KEY:
            continue
        status = status_pb2.Status()
        status.ParseFromString(value)
        for detail in status.details:
            _add_detail(detail, out)
    return out


def _add_detail(detail, out: RichError) -> None:
    info = error_details_pb2.ErrorInfo()
    bad = error_details_pb2.BadRequest()
    retry = error_details_pb2.RetryInfo()
    if detail.Is(info.DESCRIPTOR):
        detail.Unpack(info)
        out.reason, out.domain = info.reason, info.domain
        out.metadata = dict(info.metadata)
    elif detail.Is(bad.DESCRIPTOR):
        detail.Unpack(bad)
        out.field_violations = [(v.field, v.description)
                                for v in bad.field_violations]
    elif detail.Is(retry.DESCRIPTOR):
        detail.Unpack(retry)
        out.retry_delay = (retry.retry_delay.seconds +
                           retry.retry_delay.nanos / 1e9)

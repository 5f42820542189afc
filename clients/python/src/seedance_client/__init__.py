"""Helpers for calling the Seedance gRPC gateway from Python.

The generated code is in `seedance.v1` (messages: video_service_pb2,
stub: video_service_pb2_grpc.VideoServiceStub); this package adds what
grpcio lacks on Debian (no grpcio-status): decoding the error details the
gateway sends (google.rpc.BadRequest, ErrorInfo, RetryInfo), and a watch
that resumes after a disconnect.

    import grpc
    from seedance.v1 import video_service_pb2 as pb, video_service_pb2_grpc
    from seedance_client import rich_error

    stub = video_service_pb2_grpc.VideoServiceStub(
        grpc.insecure_channel("127.0.0.1:50051"))
    try:
        stub.CreateVideo(pb.CreateVideoRequest(model="doubao-seedance-2.0",
                                               prompt="a red fox"))
    except grpc.RpcError as e:
        err = rich_error(e)
        print(err.code, err.reason, err.field_violations, err.retry_delay)

See docs/API.md in the gateway's repository for every code and reason.
"""
from seedance_client.errors import RichError, rich_error
from seedance_client.watch import watch_to_end

__all__ = ["RichError", "rich_error", "watch_to_end"]

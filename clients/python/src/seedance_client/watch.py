"""A WatchVideo that survives disconnects by resuming with after_sequence."""
from typing import Callable, Iterator, Optional

import grpc
from seedance.v1 import video_service_pb2 as pb

# Codes after which a watch is resumed: the replica drained, the
# connection broke, or the gateway's --max-watch-time ended the stream; a
# replica that exits right after draining may reset the stream before its
# trailers arrive, which looks CANCELLED (this generator never cancels a
# call it is still reading).
RESUMABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
             grpc.StatusCode.CANCELLED)


def watch_to_end(stub, video_id: str, after_sequence: int = 0,
                 max_resumes: int = 10,
                 on_resume: Optional[Callable[[int, grpc.RpcError],
                                              None]] = None,
                 **call_kwargs) -> Iterator[pb.WatchVideoResponse]:
    """Yields each transition of the task once, in order, until the final
    state, reconnecting with `after_sequence` after UNAVAILABLE,
    DEADLINE_EXCEEDED or a CANCELLED it did not cause (at most
    `max_resumes` times). Heartbeats are yielded
    too (their `sequence` is the last transition's). Other errors raise.

    Pass a per-call `timeout` only if the whole watch must end by then.
    """
    last = after_sequence
    resumes = 0
    while True:
        call = stub.WatchVideo(
            pb.WatchVideoRequest(id=video_id, after_sequence=last),
            **call_kwargs)
        try:
            for event in call:
                if event.HasField("video"):
                    last = event.sequence
                yield event
            return  # OK: the final state was the last message
        except grpc.RpcError as error:
            if error.code() not in RESUMABLE or resumes >= max_resumes:
                raise
            resumes += 1
            if on_resume is not None:
                on_resume(last, error)
        finally:
            call.cancel()

#!/usr/bin/env python3
"""The whole API from Python, step by step: a dry run, a rejected request
(BadRequest), a retry-safe create (request_id; RetryInfo honoured when the
upstream rate-limits), a watch that is cut off and resumed with
after_sequence, and the final state.

    python3 quickstart.py --target 127.0.0.1:50051 --prompt "a red fox in snow"

Prints one `step key=value ...` line per step (the gateway's tests read
them).
"""
import argparse
import time
import uuid

import grpc
from seedance.v1 import video_service_pb2 as pb
from seedance.v1 import video_service_pb2_grpc
from seedance_client import rich_error, watch_to_end

MODEL = "doubao-seedance-2.0"


def say(step, **fields):
    print(step, " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


def dry_run(stub, prompt):
    # validate_only: validated and priced, nothing sent upstream or spent.
    reply = stub.CreateVideo(pb.CreateVideoRequest(
        model=MODEL, prompt=prompt, duration=5, validate_only=True),
        timeout=10)
    price = reply.video.price
    say("dry_run", id=repr(reply.video.id), currency=price.currency_code,
        estimated_micros=price.estimated_micros)


def bad_request(stub):
    try:
        stub.CreateVideo(pb.CreateVideoRequest(model=MODEL, prompt="a cat",
                                               duration=99), timeout=10)
    except grpc.RpcError as e:
        err = rich_error(e)
        for path, why in err.field_violations:
            say("bad_request", code=err.code.name, field=path,
                description=repr(why))
        return
    raise SystemExit("a 99 s video was accepted")


def create(stub, prompt, request_id):
    # The same request_id makes every retry safe: it answers the same task
    # and never creates (or bills) a second one.
    request = pb.CreateVideoRequest(model=MODEL, prompt=prompt, duration=5,
                                    request_id=request_id)
    for attempt in range(1, 6):
        try:
            return stub.CreateVideo(request, timeout=30).video
        except grpc.RpcError as e:
            err = rich_error(e)
            say("create_failed", attempt=attempt, code=err.code.name,
                reason=err.reason, retry_delay=err.retry_delay)
            retryable = (err.code in (grpc.StatusCode.UNAVAILABLE,
                                      grpc.StatusCode.RESOURCE_EXHAUSTED,
                                      grpc.StatusCode.ABORTED,
                                      grpc.StatusCode.DEADLINE_EXCEEDED)
                         and err.reason != "CREATE_OUTCOME_UNKNOWN")
            if not retryable:
                raise
            time.sleep(err.retry_delay if err.retry_delay else 0.5 * attempt)
    raise SystemExit("create kept failing")


def watch_with_a_disconnect(stub, video_id):
    # The first message is the current state; then drop the stream, as a
    # network cut would, and resume after the last sequence received.
    first = stub.WatchVideo(pb.WatchVideoRequest(id=video_id))
    event = next(iter(first))
    first.cancel()
    say("event", sequence=event.sequence,
        status=pb.VideoStatus.Name(event.video.status))
    say("disconnected", after_sequence=event.sequence)
    final = None
    for event in watch_to_end(stub, video_id, after_sequence=event.sequence):
        if event.HasField("heartbeat"):
            continue
        final = event.video
        say("event", sequence=event.sequence,
            status=pb.VideoStatus.Name(final.status))
    return final


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--prompt", default="a red fox running through snow")
    args = parser.parse_args()

    stub = video_service_pb2_grpc.VideoServiceStub(
        grpc.insecure_channel(args.target))
    dry_run(stub, args.prompt)
    bad_request(stub)
    request_id = str(uuid.uuid4())
    video = create(stub, args.prompt, request_id)
    say("created", id=video.id, status=pb.VideoStatus.Name(video.status),
        request_id=video.request_id)
    again = create(stub, args.prompt, request_id)
    say("same_request_id", id=again.id, same=again.id == video.id)
    final = watch_with_a_disconnect(stub, video.id)
    say("done", status=pb.VideoStatus.Name(final.status),
        video_url=final.video_url,
        actual_micros=final.price.actual_micros)


if __name__ == "__main__":
    main()

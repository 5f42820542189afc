#!/usr/bin/python3
"""The build's descriptor set (build/proto/seedance.protoset) is what a
dynamic client needs and nothing is missing: the API with every file it
imports, the google.rpc detail types its errors carry, and the comments.

usage: protoset_test.py PROTOSET
"""
import sys

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory


def main(path):
    files = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        files.ParseFromString(f.read())
    names = [f.name for f in files.file]
    for needed in ("seedance/v1/video_service.proto",
                   "google/rpc/status.proto",
                   "google/rpc/error_details.proto",
                   "google/rpc/code.proto",
                   "google/api/field_behavior.proto",
                   "google/protobuf/duration.proto",
                   "google/protobuf/timestamp.proto",
                   "google/protobuf/descriptor.proto"):
        assert needed in names, f"{needed} missing from {names}"
    # Self-contained: every import is in the set, before its importer.
    pool = descriptor_pool.DescriptorPool()
    for f in files.file:
        pool.Add(f)
    for symbol in ("seedance.v1.VideoService", "google.rpc.BadRequest",
                   "google.rpc.ErrorInfo", "google.rpc.RetryInfo",
                   "google.rpc.Status"):
        pool.FindFileContainingSymbol(symbol)
    # A message can be built from it alone.
    create = message_factory.MessageFactory(pool).GetPrototype(
        pool.FindMessageTypeByName("seedance.v1.CreateVideoRequest"))()
    create.validate_only = True
    assert create.SerializeToString() == b"\x88\x01\x01"
    # Comments ride along, for documentation tools.
    api = next(f for f in files.file
               if f.name == "seedance/v1/video_service.proto")
    assert any("validate_only" in loc.leading_comments
               or "Validate and price only" in loc.leading_comments
               for loc in api.source_code_info.location), "no comments"
    print(f"PASS: {path}: {len(names)} files, google.rpc details included")


if __name__ == "__main__":
    main(sys.argv[1])

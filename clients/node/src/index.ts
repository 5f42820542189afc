// The Seedance gateway from TypeScript: the generated API (protoc-gen-es),
// a client over gRPC (Connect's Node transport), rich errors and a
// resuming watch.
//
//   const client = connect("http://127.0.0.1:50051");
//   const { video } = await client.createVideo({
//     model: "doubao-seedance-2.0", prompt: "a red fox", validateOnly: true });
//
// Requests are typed: a misspelled field (`validate_only`) does not compile.
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { VideoService } from "./gen/seedance/v1/video_service_pb.js";

export * from "./gen/seedance/v1/video_service_pb.js";
export { richError, grpcCodeName, type RichError } from "./errors.js";
export { watchToEnd, type WatchOptions } from "./watch.js";

/** A VideoService client over gRPC (HTTP/2) to `baseUrl`. */
export function connect(baseUrl: string): Client<typeof VideoService> {
  return createClient(VideoService, createGrpcTransport({ baseUrl }));
}

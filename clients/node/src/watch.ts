// A WatchVideo that survives disconnects by resuming with after_sequence.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import {
  type VideoService,
  type WatchVideoResponse,
} from "./gen/seedance/v1/video_service_pb.js";

// The replica drained, the connection broke, or --max-watch-time ended it;
// a replica that exits right after draining may reset the stream before
// its trailers arrive, which looks CANCELED (unless our signal did it).
const RESUMABLE = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled]);

export interface WatchOptions {
  afterSequence?: bigint;
  maxResumes?: number;
  onResume?: (afterSequence: bigint, error: ConnectError) => void;
  signal?: AbortSignal;
}

/**
 * Yields each transition of the task once, in order, until the final
 * state, reconnecting with after_sequence after UNAVAILABLE,
 * DEADLINE_EXCEEDED or a CANCELED that `signal` did not cause. Heartbeats
 * are yielded too. Other errors throw.
 */
export async function* watchToEnd(
  client: Client<typeof VideoService>,
  id: string,
  options: WatchOptions = {},
): AsyncGenerator<WatchVideoResponse> {
  let last = options.afterSequence ?? 0n;
  let resumes = 0;
  for (;;) {
    try {
      for await (const event of client.watchVideo(
        { id, afterSequence: last },
        { signal: options.signal },
      )) {
        if (event.event.case === "video") last = event.sequence;
        yield event;
      }
      return; // OK: the final state was the last message
    } catch (error) {
      const e = ConnectError.from(error);
      if (options.signal?.aborted || !RESUMABLE.has(e.code) ||
          resumes >= (options.maxResumes ?? 10)) {
        throw e;
      }
      resumes++;
      options.onResume?.(last, e);
    }
  }
}

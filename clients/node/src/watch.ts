// A WatchVideo that survives disconnects by resuming with after_sequence.
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import {
  type VideoService,
  type WatchVideoResponse,
} from "./gen/seedance/v1/video_service_pb.js";

// The replica drained, the connection broke, or --max-watch-time ended it.
const RESUMABLE = new Set([Code.Unavailable, Code.DeadlineExceeded]);

export interface WatchOptions {
  afterSequence?: bigint;
  maxResumes?: number;
  onResume?: (afterSequence: bigint, error: ConnectError) => void;
  signal?: AbortSignal;
}

/**
 * Yields each transition of the task once, in order, until the final
 * state, reconnecting with after_sequence after UNAVAILABLE or
 * DEADLINE_EXCEEDED. Heartbeats are yielded too. Other errors throw.
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
      if (!RESUMABLE.has(e.code) || resumes >= (options.maxResumes ?? 10)) {
        throw e;
      }
      resumes++;
      options.onResume?.(last, e);
    }
  }
}

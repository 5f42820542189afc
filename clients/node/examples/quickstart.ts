// The whole API from TypeScript, step by step: a dry run, a rejected
// request (BadRequest), a retry-safe create (request_id; RetryInfo
// honoured when the upstream rate-limits), a watch that is cut off and
// resumed with after_sequence, and the final state.
//
//   node dist/examples/quickstart.js --target http://127.0.0.1:50051 --prompt "a red fox"
//
// Prints one `step key=value ...` line per step (the gateway's tests read
// them).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, type Client } from "@connectrpc/connect";
import {
  connect,
  richError,
  watchToEnd,
  VideoService,
  VideoStatus,
  type Video,
} from "../src/index.js";

const MODEL = "doubao-seedance-2.0";
type VideoClient = Client<typeof VideoService>;

function say(step: string, fields: Record<string, unknown>): void {
  const text = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
  console.log([step, ...text].join(" "));
}

const statusName = (s: VideoStatus) => `VIDEO_STATUS_${VideoStatus[s]}`;

async function dryRun(client: VideoClient, prompt: string) {
  // validateOnly: validated and priced, nothing sent upstream or spent.
  const { video } = await client.createVideo(
    { model: MODEL, prompt, duration: 5, validateOnly: true },
    { timeoutMs: 10_000 },
  );
  say("dry_run", {
    id: `'${video?.id ?? ""}'`,
    currency: video?.price?.currencyCode,
    estimated_micros: video?.price?.estimatedMicros,
  });
}

async function badRequest(client: VideoClient) {
  try {
    await client.createVideo({ model: MODEL, prompt: "a cat", duration: 99 });
  } catch (error) {
    const e = richError(error);
    for (const v of e.fieldViolations) {
      say("bad_request", { code: e.codeName, field: v.field, description: `'${v.description}'` });
    }
    return;
  }
  throw new Error("a 99 s video was accepted");
}

async function create(client: VideoClient, prompt: string, requestId: string): Promise<Video> {
  // The same requestId makes every retry safe: it answers the same task
  // and never creates (or bills) a second one.
  const retryable = new Set([Code.Unavailable, Code.ResourceExhausted, Code.Aborted,
                             Code.DeadlineExceeded]);
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const { video } = await client.createVideo(
        { model: MODEL, prompt, duration: 5, requestId },
        { timeoutMs: 30_000 },
      );
      if (!video) throw new Error("no video in the reply");
      return video;
    } catch (error) {
      const e = richError(error);
      say("create_failed", {
        attempt, code: e.codeName, reason: e.reason, retry_delay: e.retryDelaySeconds?.toFixed(1),
      });
      if (!retryable.has(e.code) || e.reason === "CREATE_OUTCOME_UNKNOWN") throw error;
      await sleep(1000 * (e.retryDelaySeconds ?? 0.5 * attempt));
    }
  }
  throw new Error("create kept failing");
}

async function watchWithADisconnect(client: VideoClient, id: string): Promise<Video> {
  // The first message is the current state; then drop the stream, as a
  // network cut would, and resume after the last sequence received.
  const abort = new AbortController();
  let last = 0n;
  try {
    for await (const event of client.watchVideo({ id }, { signal: abort.signal })) {
      if (event.event.case !== "video") continue;
      last = event.sequence;
      say("event", { sequence: event.sequence, status: statusName(event.event.value.status) });
      abort.abort();
    }
  } catch (error) {
    if (richError(error).code !== Code.Canceled) throw error;
  }
  say("disconnected", { after_sequence: last });
  let final: Video | undefined;
  for await (const event of watchToEnd(client, id, { afterSequence: last })) {
    if (event.event.case !== "video") continue;
    final = event.event.value;
    say("event", { sequence: event.sequence, status: statusName(final.status) });
  }
  if (!final) throw new Error("the watch ended without a state");
  return final;
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  const client = connect(flag("--target", "http://127.0.0.1:50051"));
  const prompt = flag("--prompt", "a red fox running through snow");
  await dryRun(client, prompt);
  await badRequest(client);
  const requestId = randomUUID();
  const video = await create(client, prompt, requestId);
  say("created", { id: video.id, status: statusName(video.status), request_id: video.requestId });
  const again = await create(client, prompt, requestId);
  say("same_request_id", { id: again.id, same: again.id === video.id ? "True" : "False" });
  const final = await watchWithADisconnect(client, video.id);
  say("done", {
    status: statusName(final.status),
    video_url: final.videoUrl,
    actual_micros: final.price?.actualMicros,
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

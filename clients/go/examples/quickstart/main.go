// Command quickstart walks the whole API from Go, step by step: a dry run,
// a rejected request (BadRequest), a retry-safe create (request_id;
// RetryInfo honoured when the upstream rate-limits), a watch that is cut
// off and resumed with after_sequence, and the final state.
//
//	go run ./examples/quickstart --target 127.0.0.1:50051 --prompt "a red fox"
//
// It prints one `step key=value ...` line per step (the gateway's tests
// read them).
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	seedancev1 "github.com/seedance-gateway/seedance-gateway/clients/go/seedance/v1"
	"github.com/seedance-gateway/seedance-gateway/clients/go/seedanceclient"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

const model = "doubao-seedance-2.0"

func say(step string, fields ...interface{}) {
	parts := []string{step}
	for i := 0; i+1 < len(fields); i += 2 {
		parts = append(parts, fmt.Sprintf("%v=%v", fields[i], fields[i+1]))
	}
	fmt.Println(strings.Join(parts, " "))
}

func dryRun(ctx context.Context, client seedancev1.VideoServiceClient, prompt string) {
	// ValidateOnly: validated and priced, nothing sent upstream or spent.
	reply, err := client.CreateVideo(ctx, &seedancev1.CreateVideoRequest{
		Model: model, Prompt: prompt, Duration: proto32(5), ValidateOnly: true})
	if err != nil {
		log.Fatalf("dry run: %v", err)
	}
	price := reply.GetVideo().GetPrice()
	say("dry_run", "id", fmt.Sprintf("'%s'", reply.GetVideo().GetId()),
		"currency", price.GetCurrencyCode(), "estimated_micros", price.GetEstimatedMicros())
}

func badRequest(ctx context.Context, client seedancev1.VideoServiceClient) {
	_, err := client.CreateVideo(ctx, &seedancev1.CreateVideoRequest{
		Model: model, Prompt: "a cat", Duration: proto32(99)})
	e := seedanceclient.FromError(err)
	if e == nil {
		log.Fatal("a 99 s video was accepted")
	}
	for _, v := range e.FieldViolations {
		say("bad_request", "code", seedanceclient.CodeName(e.Code), "field", v.Field,
			"description", fmt.Sprintf("'%s'", v.Description))
	}
}

func create(ctx context.Context, client seedancev1.VideoServiceClient, prompt,
	requestID string) *seedancev1.Video {
	// The same RequestId makes every retry safe: it answers the same task
	// and never creates (or bills) a second one.
	request := &seedancev1.CreateVideoRequest{
		Model: model, Prompt: prompt, Duration: proto32(5), RequestId: requestID}
	for attempt := 1; attempt <= 5; attempt++ {
		reply, err := client.CreateVideo(ctx, request)
		if err == nil {
			return reply.GetVideo()
		}
		e := seedanceclient.FromError(err)
		delay := "None"
		if e.HasRetryDelay {
			delay = fmt.Sprintf("%.1f", e.RetryDelay.Seconds())
		}
		say("create_failed", "attempt", attempt, "code", seedanceclient.CodeName(e.Code),
			"reason", e.Reason, "retry_delay", delay)
		switch e.Code {
		case codes.Unavailable, codes.ResourceExhausted, codes.Aborted, codes.DeadlineExceeded:
		default:
			log.Fatalf("create: %v", err)
		}
		if e.Reason == "CREATE_OUTCOME_UNKNOWN" {
			log.Fatalf("create: %v", err)
		}
		wait := time.Duration(attempt) * 500 * time.Millisecond
		if e.HasRetryDelay {
			wait = e.RetryDelay
		}
		time.Sleep(wait)
	}
	log.Fatal("create kept failing")
	return nil
}

func watchWithADisconnect(ctx context.Context, client seedancev1.VideoServiceClient,
	id string) *seedancev1.Video {
	// The first message is the current state; then drop the stream, as a
	// network cut would, and resume after the last sequence received.
	first, cancel := context.WithCancel(ctx)
	stream, err := client.WatchVideo(first, &seedancev1.WatchVideoRequest{Id: id})
	if err != nil {
		log.Fatalf("watch: %v", err)
	}
	event, err := stream.Recv()
	cancel()
	if err != nil {
		log.Fatalf("watch: %v", err)
	}
	say("event", "sequence", event.GetSequence(), "status", event.GetVideo().GetStatus())
	say("disconnected", "after_sequence", event.GetSequence())
	var final *seedancev1.Video
	err = seedanceclient.WatchToEnd(ctx, client, id, event.GetSequence(),
		func(e *seedancev1.WatchVideoResponse) error {
			if e.GetVideo() != nil {
				final = e.GetVideo()
				say("event", "sequence", e.GetSequence(), "status", final.GetStatus())
			}
			return nil
		})
	if err != nil || final == nil {
		log.Fatalf("watch: %v", err)
	}
	return final
}

func main() {
	target := flag.String("target", "127.0.0.1:50051", "the gateway")
	prompt := flag.String("prompt", "a red fox running through snow", "the video's prompt")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *target, grpc.WithInsecure())
	if err != nil {
		log.Fatalf("dial %s: %v", *target, err)
	}
	defer conn.Close()
	client := seedancev1.NewVideoServiceClient(conn)

	dryRun(ctx, client, *prompt)
	badRequest(ctx, client)
	requestID := newUUID()
	video := create(ctx, client, *prompt, requestID)
	say("created", "id", video.GetId(), "status", video.GetStatus(), "request_id", video.GetRequestId())
	again := create(ctx, client, *prompt, requestID)
	same := "False"
	if again.GetId() == video.GetId() {
		same = "True"
	}
	say("same_request_id", "id", again.GetId(), "same", same)
	final := watchWithADisconnect(ctx, client, video.GetId())
	say("done", "status", final.GetStatus(), "video_url", final.GetVideoUrl(),
		"actual_micros", final.GetPrice().GetActualMicros())
}

func proto32(v int32) *int32 { return &v }

// newUUID is a random (version 4) UUID, the form request_id takes.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		log.Fatalf("random: %v", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

package seedanceclient

import (
	"context"
	"io"

	seedancev1 "github.com/seedance-gateway/seedance-gateway/clients/go/seedance/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// MaxResumes bounds how often WatchToEnd reconnects.
const MaxResumes = 10

// WatchToEnd calls each with every message of the task's watch (each
// transition once, in order, and heartbeats) until the final state,
// reconnecting with after_sequence after UNAVAILABLE (a replica drained,
// the connection broke), DEADLINE_EXCEEDED (the gateway's
// --max-watch-time) or a CANCELED that ctx did not cause (a replica that
// exits right after draining may reset the stream before its trailers). It returns nil after the final state, each's error,
// or the error that ended the watch for good.
func WatchToEnd(ctx context.Context, client seedancev1.VideoServiceClient, id string,
	afterSequence int64, each func(*seedancev1.WatchVideoResponse) error) error {
	for resumes := 0; ; resumes++ {
		err := watchOnce(ctx, client, id, &afterSequence, each)
		if err == nil || ctx.Err() != nil || resumes >= MaxResumes {
			return err
		}
		if code := status.Code(err); code != codes.Unavailable &&
			code != codes.DeadlineExceeded && code != codes.Canceled {
			return err
		}
	}
}

func watchOnce(ctx context.Context, client seedancev1.VideoServiceClient, id string,
	after *int64, each func(*seedancev1.WatchVideoResponse) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := client.WatchVideo(ctx,
		&seedancev1.WatchVideoRequest{Id: id, AfterSequence: *after})
	if err != nil {
		return err
	}
	for {
		event, err := stream.Recv()
		if err == io.EOF {
			return nil // OK: the final state was the last message
		}
		if err != nil {
			return err
		}
		if event.GetVideo() != nil {
			*after = event.GetSequence()
		}
		if err := each(event); err != nil {
			return err
		}
	}
}

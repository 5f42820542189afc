// Package seedanceclient helps call the Seedance gateway from Go: the
// google.rpc details its errors carry, decoded (BadRequest, ErrorInfo,
// RetryInfo), and a watch that resumes after a disconnect. The API itself
// is the generated package seedancev1 (../seedance/v1).
//
//	conn, _ := grpc.Dial("127.0.0.1:50051", grpc.WithInsecure())
//	client := seedancev1.NewVideoServiceClient(conn)
//	_, err := client.CreateVideo(ctx, &seedancev1.CreateVideoRequest{...})
//	if e := seedanceclient.FromError(err); e != nil {
//		fmt.Println(e.Code, e.Reason, e.FieldViolations, e.RetryDelay)
//	}
//
// docs/API.md in the gateway's repository lists every code and reason.
package seedanceclient

import (
	"strings"
	"time"
	"unicode"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FieldViolation is one invalid request field, by proto field path.
type FieldViolation struct {
	Field       string
	Description string
}

// RichError is a failed call: its code and message, and its details.
type RichError struct {
	Code    codes.Code
	Message string
	// ErrorInfo: branch on Reason; Domain is "seedance.gateway".
	Reason   string
	Domain   string
	Metadata map[string]string
	// BadRequest: every violated field.
	FieldViolations []FieldViolation
	// RetryInfo: how long to wait before retrying; HasRetryDelay says
	// whether the error carried one.
	RetryDelay    time.Duration
	HasRetryDelay bool
}

// FromError decodes err's status and details; nil for a nil error.
func FromError(err error) *RichError {
	if err == nil {
		return nil
	}
	st := status.Convert(err)
	out := &RichError{Code: st.Code(), Message: st.Message()}
	for _, detail := range st.Details() {
		switch d := detail.(type) {
		case *errdetails.ErrorInfo:
			out.Reason, out.Domain, out.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				out.FieldViolations = append(out.FieldViolations,
					FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		case *errdetails.RetryInfo:
			delay := d.GetRetryDelay()
			out.RetryDelay = time.Duration(delay.GetSeconds())*time.Second +
				time.Duration(delay.GetNanos())
			out.HasRetryDelay = true
		}
	}
	return out
}

// CodeName is the code's upper-case gRPC name, e.g. "INVALID_ARGUMENT".
func CodeName(code codes.Code) string {
	var b strings.Builder
	for i, r := range code.String() {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

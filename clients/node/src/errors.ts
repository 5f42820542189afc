// Decoding the google.rpc details the gateway puts on errors (BadRequest,
// ErrorInfo, RetryInfo): docs/API.md lists every code and reason.
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
} from "./gen/google/rpc/error_details_pb.js";

export interface RichError {
  code: Code;
  /** The code's gRPC name, e.g. "INVALID_ARGUMENT". */
  codeName: string;
  message: string;
  /** ErrorInfo.reason: branch on this (domain "seedance.gateway"). */
  reason?: string;
  domain?: string;
  metadata: Record<string, string>;
  /** BadRequest: every violated field, by proto field path. */
  fieldViolations: { field: string; description: string }[];
  /** RetryInfo: seconds to wait before retrying, when given. */
  retryDelaySeconds?: number;
}

/** The code, message and decoded details of a failed call. */
export function richError(error: unknown): RichError {
  const e = ConnectError.from(error);
  const out: RichError = {
    code: e.code,
    codeName: grpcCodeName(e.code),
    message: e.rawMessage,
    metadata: {},
    fieldViolations: [],
  };
  for (const info of e.findDetails(ErrorInfoSchema)) {
    out.reason = info.reason;
    out.domain = info.domain;
    out.metadata = { ...info.metadata };
  }
  for (const bad of e.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) {
      out.fieldViolations.push({ field: v.field, description: v.description });
    }
  }
  for (const retry of e.findDetails(RetryInfoSchema)) {
    const d = retry.retryDelay;
    if (d) out.retryDelaySeconds = Number(d.seconds) + d.nanos / 1e9;
  }
  return out;
}

/** gRPC's upper-case name of a code (Connect spells them camelCase). */
export function grpcCodeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

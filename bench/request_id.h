// Request ids for the bench's creates: random (version 4) UUIDs in RFC 4122
// text form, as an idempotent client would send in CreateVideoRequest's
// request_id (AIP-155).
#ifndef SEEDANCE_BENCH_REQUEST_ID_H_
#define SEEDANCE_BENCH_REQUEST_ID_H_

#include <random>
#include <string>

namespace seedance::bench {

// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx", lower case. The generator is
// the caller's (seeded once: random_device per call costs a system call).
std::string NewRequestId(std::mt19937_64& random);

}  // namespace seedance::bench

#endif  // SEEDANCE_BENCH_REQUEST_ID_H_

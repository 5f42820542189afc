// Every fault kind of docs/SIMULATOR.md "Faults", as a rule that fires on a
// create: the tables of the create-once tests at the client level
// (tests/upstream/create_once_test.cc) and through the gateway
// (tests/gateway/create_once_e2e_test.cc).
#ifndef SEEDANCE_TESTS_TESTING_SIM_FAULT_KINDS_H_
#define SEEDANCE_TESTS_TESTING_SIM_FAULT_KINDS_H_

namespace seedance::testing {

inline constexpr const char* kCreateFaultKinds[] = {
    "500",
    "503",
    "429,retry_after=1",
    "latency=50ms",
    "stall",
    "reset",
    "reset_after_create",
    "truncate",
    "malformed",
    "unknown_status=rendering",
    "missing_fields",
    "extra_fields",
    "huge",
};

}  // namespace seedance::testing

#endif  // SEEDANCE_TESTS_TESTING_SIM_FAULT_KINDS_H_

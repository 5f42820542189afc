// create_request: a CreateVideoRequest as it comes off the wire, through
// what VideoService::CreateVideo does before the upstream call: validation,
// the price estimate and the upstream's JSON body. A request that passes
// validation must be priced and must become a JSON object that says what
// the request said (so escaping cannot let a prompt rewrite the body), which
// the simulator's copy of TokenHub's rules accepts.
#include <cstdint>
#include <string>

#include "google/protobuf/stubs/common.h"
#include "google/rpc/error_details.pb.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "seedance/v1/video_service.pb.h"
#include "server/common/status_details.h"
#include "server/upstream/pricing.h"
#include "server/upstream/request_json.h"
#include "server/upstream/request_validator.h"
#include "sim/request_validator.h"
#include "tests/fuzz/fuzz_targets.h"

namespace seedance::fuzz {

namespace {

bool JsonStringIs(const rapidjson::Value& object, const char* name,
                  const std::string& want) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return want.empty();
  return it->value.IsString() &&
         std::string(it->value.GetString(), it->value.GetStringLength()) ==
             want;
}

}  // namespace

void CreateRequestTarget(absl::string_view input) {
  // Invalid UTF-8 makes libprotobuf log a line per input: noise here.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;

  seedance::v1::CreateVideoRequest request;
  if (!request.ParseFromArray(input.data(), static_cast<int>(input.size()))) {
    return;  // gRPC would refuse it before the service sees it
  }
  const upstream::PriceTable& prices = upstream::PriceTable::Default();
  absl::Status valid = upstream::ValidateCreateVideoRequest(request, prices);
  if (!valid.ok()) {
    FUZZ_CHECK(valid.code() == absl::StatusCode::kInvalidArgument,
               valid.ToString().c_str());
    FUZZ_CHECK(!valid.message().empty(), "a refusal must say why");
    auto bad = GetDetail<google::rpc::BadRequest>(valid);
    FUZZ_CHECK(bad && bad->field_violations_size() > 0,
               "a refusal must name the fields");
    for (const auto& violation : bad->field_violations()) {
      FUZZ_CHECK(!violation.field().empty() && !violation.description().empty(),
                 violation.DebugString().c_str());
    }
    FUZZ_CHECK(!ToGrpcStatus(valid).ok(), "what the caller gets");
    return;
  }
  absl::StatusOr<seedance::v1::Price> price =
      upstream::EstimatePrice(request, prices);
  FUZZ_CHECK(price.ok(), price.status().ToString().c_str());
  FUZZ_CHECK(price->estimated_micros() > 0, "a valid request costs something");
  FUZZ_CHECK(price->rate_micros_per_second() > 0, "a priced model has a rate");

  std::string json = upstream::CreateRequestToJson(request);
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  FUZZ_CHECK(!doc.HasParseError(),
             rapidjson::GetParseError_En(doc.GetParseError()));
  FUZZ_CHECK(doc.IsObject(), json.c_str());
  FUZZ_CHECK(JsonStringIs(doc, "model", request.model()), json.c_str());
  FUZZ_CHECK(JsonStringIs(doc, "prompt", request.prompt()), json.c_str());
  FUZZ_CHECK(!doc.HasMember("validate_only"), "never sent upstream");

  // Differential: what the gateway accepts, the simulator (TokenHub's rules
  // as the team reads shared/TOKENHUB_API.md) must accept too, or a
  // validated (and priced) request would fail upstream with a 400.
  absl::StatusOr<tokenhub_sim::CreateRequest> upstream_view =
      tokenhub_sim::ValidateCreateRequest(json);
  FUZZ_CHECK(upstream_view.ok(),
             (upstream_view.status().ToString() + " for " + json).c_str());
}

}  // namespace seedance::fuzz

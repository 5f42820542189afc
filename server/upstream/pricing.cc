// PriceTable lookups and exact integer price arithmetic.
#include "server/upstream/pricing.h"

#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "server/upstream/media_inputs.h"

namespace seedance::upstream {
namespace {

using ::seedance::v1::Price;
using ::seedance::v1::Resolution;

absl::StatusOr<PriceRow> RowFromJson(const rapidjson::Value& v, size_t i) {
  auto bad = [i](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("price table row ", i, ": ", what));
  };
  if (!v.IsObject()) return bad("is not an object");
  auto model = v.FindMember("model");
  auto resolution = v.FindMember("resolution");
  auto rate = v.FindMember("micros_per_second");
  if (model == v.MemberEnd() || !model->value.IsString()) {
    return bad("needs a string model");
  }
  if (rate == v.MemberEnd() || !rate->value.IsInt64()) {
    return bad("needs integer micros_per_second");
  }
  if (resolution == v.MemberEnd() || !resolution->value.IsString()) {
    return bad("needs a resolution");
  }
  std::string res = resolution->value.GetString();
  Resolution r = res == "480p"   ? seedance::v1::RESOLUTION_480P
                 : res == "720p" ? seedance::v1::RESOLUTION_720P
                                 : seedance::v1::RESOLUTION_UNSPECIFIED;
  if (r == seedance::v1::RESOLUTION_UNSPECIFIED) {
    return bad("resolution must be 480p or 720p");
  }
  return PriceRow{model->value.GetString(), r, rate->value.GetInt64()};
}

void SetDuration(int64_t ms, google::protobuf::Duration* out) {
  out->set_seconds(ms / 1000);
  out->set_nanos(static_cast<int32_t>(ms % 1000) * 1'000'000);
}

// Billed input video ms, and whether some videos were left unpriced.
std::pair<int64_t, bool> InputVideoMillis(
    const seedance::v1::CreateVideoRequest& request) {
  if (request.video_durations_size() > 0) {
    int64_t total = 0;
    for (const auto& d : request.video_durations()) total += CeilMillis(d);
    return {total, false};
  }
  if (request.has_input_video_duration()) {
    return {CeilMillis(request.input_video_duration()), false};
  }
  return {0, CountMedia(request, seedance::v1::MEDIA_TYPE_VIDEO) > 0};
}

}  // namespace

absl::StatusOr<PriceTable> PriceTable::FromRows(std::vector<PriceRow> rows) {
  absl::flat_hash_set<std::pair<std::string, int>> seen;
  for (const PriceRow& row : rows) {
    std::string where =
        absl::StrCat("price for ", row.model, " at ",
                     seedance::v1::Resolution_Name(row.resolution));
    if (row.model.empty()) {
      return absl::InvalidArgumentError("price row without a model");
    }
    if (row.resolution == seedance::v1::RESOLUTION_UNSPECIFIED ||
        !seedance::v1::Resolution_IsValid(row.resolution)) {
      return absl::InvalidArgumentError(where + ": bad resolution");
    }
    if (row.micros_per_second <= 0 ||
        row.micros_per_second > kMaxMicrosPerSecond) {
      return absl::InvalidArgumentError(where + ": rate out of range");
    }
    if (!seen.insert({row.model, row.resolution}).second) {
      return absl::InvalidArgumentError(where + ": duplicate row");
    }
  }
  return PriceTable(std::move(rows));
}

absl::StatusOr<PriceTable> PriceTable::FromJson(absl::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsArray()) {
    return absl::InvalidArgumentError("price table must be a JSON array");
  }
  std::vector<PriceRow> rows;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    absl::StatusOr<PriceRow> row = RowFromJson(doc[i], i);
    if (!row.ok()) return row.status();
    rows.push_back(*std::move(row));
  }
  return FromRows(std::move(rows));
}

bool PriceTable::HasModel(absl::string_view model) const {
  for (const PriceRow& row : rows_) {
    if (row.model == model) return true;
  }
  return false;
}

absl::optional<int64_t> PriceTable::RateMicrosPerSecond(
    absl::string_view model, Resolution resolution) const {
  if (resolution == seedance::v1::RESOLUTION_UNSPECIFIED) {
    resolution = seedance::v1::RESOLUTION_720P;
  }
  for (const PriceRow& row : rows_) {
    if (row.model == model && row.resolution == resolution) {
      return row.micros_per_second;
    }
  }
  return absl::nullopt;
}

int64_t CeilMillis(const google::protobuf::Duration& duration) {
  if (duration.seconds() < 0 || duration.nanos() < 0) return 0;
  // Capped far beyond any valid value so sums of a few cannot overflow.
  constexpr int64_t kCapSeconds = 1'000'000'000'000;
  if (duration.seconds() >= kCapSeconds) return kCapSeconds * 1000;
  return duration.seconds() * 1000 + (duration.nanos() + 999'999) / 1'000'000;
}

int64_t MicrosFor(int64_t micros_per_second, int64_t milliseconds) {
  absl::int128 product = absl::int128(micros_per_second) * milliseconds;
  absl::int128 micros = (product + 999) / 1000;
  if (micros > std::numeric_limits<int64_t>::max()) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(micros);
}

absl::StatusOr<Price> EstimatePrice(
    const seedance::v1::CreateVideoRequest& request, const PriceTable& table) {
  absl::optional<int64_t> rate =
      table.RateMicrosPerSecond(request.model(), request.resolution());
  if (!rate) {
    return absl::InvalidArgumentError(
        absl::StrCat("no price for model \"", request.model(), "\" at ",
                     seedance::v1::Resolution_Name(request.resolution())));
  }
  auto [input_ms, unpriced] = InputVideoMillis(request);
  int64_t output_ms =
      int64_t{request.has_duration() ? request.duration()
                                     : kDefaultDurationSeconds} *
      1000;
  Price price;
  price.set_currency_code("USD");
  price.set_rate_micros_per_second(*rate);
  price.set_estimated_micros(MicrosFor(*rate, input_ms + output_ms));
  SetDuration(input_ms, price.mutable_billed_input_video());
  price.set_input_video_unpriced(unpriced);
  return price;
}

void ApplyUsage(const seedance::v1::Usage& usage, Price* price) {
  if (price == nullptr || !usage.has_video_duration()) return;
  int64_t total = CeilMillis(price->billed_input_video()) +
                  CeilMillis(usage.video_duration());
  price->set_actual_micros(MicrosFor(price->rate_micros_per_second(), total));
}

}  // namespace seedance::upstream

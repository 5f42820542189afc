// Pricing: TokenHub's per-second price table and the exact integer
// estimate of what a create will cost.
//
//   const PriceTable& table = PriceTable::Default();
//   absl::StatusOr<seedance::v1::Price> price = EstimatePrice(request, table);
//   ...                                   // later, when the task succeeded:
//   ApplyUsage(video.usage(), &*price);   // sets actual_micros
//
// TokenHub bills (input video seconds + output seconds) x rate, where the
// rate depends on model and resolution. All amounts are int64 micro-USD;
// each amount is rounded up to a whole micro: ceil(rate x ms / 1000).
#ifndef SEEDANCE_SERVER_UPSTREAM_PRICING_H_
#define SEEDANCE_SERVER_UPSTREAM_PRICING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/protobuf/duration.pb.h"
#include "seedance/v1/video_service.pb.h"

namespace seedance::upstream {

// One row of the price table.
struct PriceRow {
  // Upstream model id, e.g. `doubao-seedance-2.0`.
  std::string model;
  // 480p or 720p (never UNSPECIFIED).
  seedance::v1::Resolution resolution;
  // Micro-USD per second of input plus output video.
  int64_t micros_per_second;
};

// Rates by (model, resolution). Immutable once built; safe to share.
class PriceTable {
 public:
  // Highest accepted rate ($1000/s), so estimates cannot overflow int64.
  static constexpr int64_t kMaxMicrosPerSecond = 1'000'000'000;

  // The contract's table (price_table.cc).
  static const PriceTable& Default();

  // Builds a table from rows; INVALID_ARGUMENT on an empty model, an
  // UNSPECIFIED resolution, a rate outside (0, kMaxMicrosPerSecond] or a
  // duplicate (model, resolution).
  static absl::StatusOr<PriceTable> FromRows(std::vector<PriceRow> rows);

  // Builds a table from operator JSON:
  // `[{"model": "m", "resolution": "720p", "micros_per_second": 200000}, ...]`.
  static absl::StatusOr<PriceTable> FromJson(absl::string_view json);

  // True when some resolution of `model` has a price.
  bool HasModel(absl::string_view model) const;

  // The rate for `model` at `resolution` (UNSPECIFIED means the upstream
  // default, 720p), or nullopt when the table has none.
  absl::optional<int64_t> RateMicrosPerSecond(
      absl::string_view model, seedance::v1::Resolution resolution) const;

  // The rows, in the order given.
  const std::vector<PriceRow>& rows() const { return rows_; }

 private:
  explicit PriceTable(std::vector<PriceRow> rows) : rows_(std::move(rows)) {}
  std::vector<PriceRow> rows_;
};

// Output seconds when `duration` is unset (the upstream default).
inline constexpr int kDefaultDurationSeconds = 5;

// Prices a (validated) request: rate x (input video ms + output ms) / 1000,
// rounded up. Output is `duration` or kDefaultDurationSeconds. Input video
// ms is the sum of `video_durations`, or `input_video_duration`; with videos
// but neither, `input_video_unpriced` is set and input is 0. A model and
// resolution without a rate give INVALID_ARGUMENT.
absl::StatusOr<seedance::v1::Price> EstimatePrice(
    const seedance::v1::CreateVideoRequest& request, const PriceTable& table);

// Sets `price->actual_micros` from the upstream's reported output duration:
// rate x (billed input ms + usage ms) / 1000, rounded up. No-op when usage
// has no duration.
void ApplyUsage(const seedance::v1::Usage& usage, seedance::v1::Price* price);

// A Duration in milliseconds, rounded up (negative values give 0; absurdly
// large ones are capped at 10^15 ms).
int64_t CeilMillis(const google::protobuf::Duration& duration);

// ceil(rate x milliseconds / 1000), exact (128-bit intermediate); saturates
// at INT64_MAX.
int64_t MicrosFor(int64_t micros_per_second, int64_t milliseconds);

}  // namespace seedance::upstream

#endif  // SEEDANCE_SERVER_UPSTREAM_PRICING_H_

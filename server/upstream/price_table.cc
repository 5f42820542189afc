// The price table from TokenHub's contract, as plain data. Update the rows
// here when TokenHub's prices change (or load one with PriceTable::FromJson).
#include "server/upstream/pricing.h"

namespace seedance::upstream {
namespace {

struct RateData {
  const char* model;
  seedance::v1::Resolution resolution;
  int64_t micros_per_second;
};

// USD per second of (input + output) video, in micros.
constexpr RateData kContractRates[] = {
    {"doubao-seedance-2.0", seedance::v1::RESOLUTION_720P, 200'000},  // $0.20
    {"doubao-seedance-2.0", seedance::v1::RESOLUTION_480P, 120'000},  // $0.12
    {"doubao-seedance-2.0-fast", seedance::v1::RESOLUTION_720P,
     160'000},  // $0.16
    {"doubao-seedance-2.0-fast", seedance::v1::RESOLUTION_480P,
     100'000},  // $0.10
};

}  // namespace

const PriceTable& PriceTable::Default() {
  static const PriceTable* const kTable = [] {
    std::vector<PriceRow> rows;
    for (const RateData& r : kContractRates) {
      rows.push_back({r.model, r.resolution, r.micros_per_second});
    }
    return new PriceTable(*FromRows(std::move(rows)));
  }();
  return *kTable;
}

}  // namespace seedance::upstream

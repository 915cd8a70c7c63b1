#include "testing/parquet_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "testing/testing.h"

namespace pe::testing {

std::vector<nlohmann::json> ReadParquetRows(const std::string& reader, const std::string& path) {
  std::vector<nlohmann::json> rows;
  RunResult r = RunNode("parquet_rows.mjs", {reader, path});
  EXPECT_EQ(r.exit_code, 0) << reader << " failed on " << path << ": " << r.err;
  if (r.exit_code != 0) return rows;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

namespace {

bool ToDouble(const nlohmann::json& j, long double* out) {
  if (j.is_number()) {
    *out = j.get<long double>();
    return true;
  }
  if (!j.is_string()) return false;
  const std::string s = j.get<std::string>();
  char* end = nullptr;
  *out = std::strtold(s.c_str(), &end);
  return end && *end == '\0' && !s.empty();
}

std::string Show(const nlohmann::json& j) { return j.dump(); }

}  // namespace

std::string CompareCell(const nlohmann::json& want, const nlohmann::json& got, CellKind kind) {
  // JSON text "null" is the JSON value null (dump embeds JSON values).
  if (kind == CellKind::kJsonText && want.is_null() && got == "null") return "";
  if (want.is_null() || got.is_null()) {
    return want.is_null() == got.is_null() ? "" : "want " + Show(want) + ", got " + Show(got);
  }
  if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size()) {
      return "want " + Show(want) + ", got " + Show(got);
    }
    for (size_t i = 0; i < want.size(); ++i) {
      std::string d = CompareCell(want[i], got[i], kind);
      if (!d.empty()) return "element " + std::to_string(i) + ": " + d;
    }
    return "";
  }
  long double a = 0, b = 0;
  switch (kind) {
    case CellKind::kFloat32:
    case CellKind::kFloat64: {
      if (!ToDouble(want, &a) || !ToDouble(got, &b)) break;
      bool eq;
      if (kind == CellKind::kFloat32) {
        float x = float(a), y = float(b);
        eq = (std::isnan(x) && std::isnan(y)) || x == y;
      } else {
        double x = double(a), y = double(b);
        eq = (std::isnan(x) && std::isnan(y)) || x == y;
      }
      return eq ? "" : "want " + Show(want) + ", got " + Show(got);
    }
    case CellKind::kJsonText: {
      nlohmann::json g = got;
      if (got.is_string()) {
        g = nlohmann::json::parse(got.get<std::string>(), nullptr, false);
        if (g.is_discarded()) return "got invalid JSON text " + Show(got);
      }
      return g == want ? "" : "want " + Show(want) + ", got " + Show(got);
    }
    case CellKind::kDecimal: {
      if (!ToDouble(want, &a) || !ToDouble(got, &b)) break;
      if (got.is_string()) {
        return a == b ? "" : "want " + Show(want) + ", got " + Show(got);
      }
      // hyparquet converts DECIMAL to a double: equal to double precision.
      long double tol = std::fabs(a) * 1e-15L + 1e-300L;
      return std::fabs(a - b) <= tol ? "" : "want " + Show(want) + ", got " + Show(got);
    }
    case CellKind::kExact:
      return want == got ? "" : "want " + Show(want) + ", got " + Show(got);
  }
  return "want " + Show(want) + ", got " + Show(got);
}

size_t CompareRows(const std::vector<nlohmann::json>& want, const std::vector<nlohmann::json>& got,
                   const std::vector<CellKind>& kinds, const std::vector<std::string>& names,
                   const std::string& label) {
  if (want.size() != got.size()) {
    ADD_FAILURE() << label << ": " << got.size() << " rows, want " << want.size();
    return 1;
  }
  size_t bad = 0;
  for (size_t r = 0; r < want.size(); ++r) {
    if (!got[r].is_array() || got[r].size() != kinds.size()) {
      if (bad++ < 3) ADD_FAILURE() << label << " row " << r << ": " << got[r].dump();
      continue;
    }
    for (size_t c = 0; c < kinds.size(); ++c) {
      std::string d = CompareCell(want[r][c], got[r][c], kinds[c]);
      if (!d.empty() && bad++ < 5) {
        ADD_FAILURE() << label << " row " << r << " column " << names[c] << ": " << d;
      }
    }
  }
  return bad;
}

}  // namespace pe::testing

// The file names of a batch's metadata files (iceberg/commit.h) and their recognition, which
// `pinot-export iceberg orphans` relies on to touch only pinot-export's files.
#include <gtest/gtest.h>

#include "iceberg/commit.h"

namespace pe::iceberg {
namespace {

const std::string kBatch = "pe-0123456789abcdef0123456789abcdef";

TEST(BatchFileNames, NamesAreTheDocumentedShapes) {
  EXPECT_EQ(ManifestFileName(kBatch), kBatch + "-m0.avro");
  EXPECT_EQ(ManifestListFileName(8765432109876543210, 2, kBatch),
            "snap-8765432109876543210-2-" + kBatch + ".avro");
}

TEST(BatchFileNames, OnlyPinotExportNamesCarryABatch) {
  EXPECT_EQ(BatchOfFileName(ManifestFileName(kBatch)), kBatch);
  EXPECT_EQ(BatchOfFileName(ManifestListFileName(1, 1, kBatch)), kBatch);
  EXPECT_EQ(BatchOfFileName(ManifestListFileName(8765432109876543210, 12, kBatch)), kBatch);
  // BatchId's own output is recognised.
  const std::string id = BatchId("events_REALTIME", {"a", "b"});
  EXPECT_EQ(BatchOfFileName(ManifestFileName(id)), id);
  for (const std::string other : {
           // Java / other writers: snap-<id>-<attempt>-<uuid>.avro, <uuid>-m0.avro.
           "snap-123-1-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.avro",
           "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-m0.avro",
           "00001-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.metadata.json",
           "version-hint.text",
           // Near misses: upper-case or short hex, other suffixes, missing parts.
           "pe-0123456789ABCDEF0123456789abcdef-m0.avro",
           "pe-0123456789abcdef0123456789abcde-m0.avro",
           "pe-0123456789abcdef0123456789abcdef-m1.avro",
           "pe-0123456789abcdef0123456789abcdef-m0.avro.bak",
           "xpe-0123456789abcdef0123456789abcdef-m0.avro",
           "snap--1-pe-0123456789abcdef0123456789abcdef.avro",
           "snap-1--pe-0123456789abcdef0123456789abcdef.avro",
           "snap-1-pe-0123456789abcdef0123456789abcdef.avro",
           "snap-x-1-pe-0123456789abcdef0123456789abcdef.avro",
           "snap-1-1pe-0123456789abcdef0123456789abcdef.avro",
           "snap-pe-0123456789abcdef0123456789abcdef.avro",
           "snap-1-1-pe-0123456789abcdef0123456789abcdef.avro.tmp",
           "",
       }) {
    EXPECT_EQ(BatchOfFileName(other), "") << other;
  }
}

}  // namespace
}  // namespace pe::iceberg

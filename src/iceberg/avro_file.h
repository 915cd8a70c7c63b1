// iceberg/: Avro object container files (internal to iceberg/).
//
// The container itself (Avro specification "Object Container Files": magic "Obj\x01", a header
// map of bytes metadata, a 16-byte sync marker, then blocks of <count, size, data, sync>) is
// written and parsed here, because Avro C's file writer can neither add user metadata (Iceberg
// keeps its schema, partition spec and snapshot ids there) nor write schema attributes (every
// Iceberg field carries a "field-id"): the header holds our schema text verbatim, and Avro C
// encodes and decodes the records (avro_value_write / avro_value_read with that schema).
#pragma once

#include <avro.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace pe::iceberg::avro {

// Installs, once per process, an Avro C allocator that refuses any single allocation larger than
// the calling thread's current cap (AllocationCap), so that a corrupt length in a file becomes an
// ENOMEM error instead of a huge allocation. Called by every entry point below.
void InstallAllocator();

// While alive, Avro C allocations on this thread larger than `bytes` fail.
class AllocationCap {
 public:
  explicit AllocationCap(size_t bytes);
  ~AllocationCap();
  AllocationCap(const AllocationCap&) = delete;
  AllocationCap& operator=(const AllocationCap&) = delete;

 private:
  size_t saved_;
};

// Owns one Avro C generic value of a schema parsed from JSON text (plus the schema and class).
class Value {
 public:
  Value() = default;
  ~Value();
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  // Parses `schema_json` (Avro C ignores attributes it does not know, e.g. "field-id").
  // Errors: `code_on_error` (kInvalidArgument for our own schemas, kCorruption for a file's).
  Status Init(std::string_view schema_json, StatusCode code_on_error);
  avro_value_t* get() { return &value_; }
  avro_schema_t schema() const { return schema_; }

 private:
  avro_schema_t schema_ = nullptr;
  avro_value_iface_t* iface_ = nullptr;
  avro_value_t value_{};
  bool live_ = false;
};

// Builds a container file: records are encoded with Avro C from one reusable Value, gathered in
// blocks and compressed with `codec` ("deflate" or "null").
class FileWriter {
 public:
  // Errors: kInvalidArgument (schema that Avro C rejects, unknown codec).
  Status Open(std::string schema_json, std::string codec);
  // The record to fill before each Append (reset by Append).
  avro_value_t* record() { return value_.get(); }
  Status Append();
  // The whole file: header with avro.schema, avro.codec and `meta` (in this order), then the
  // blocks. The sync marker is derived from the content, so equal inputs give equal bytes.
  Result<std::string> Finish(const std::vector<std::pair<std::string, std::string>>& meta);

 private:
  Status FlushBlock();
  std::string schema_json_, codec_;
  Value value_;
  std::string pending_;  // encoded records of the open block
  int64_t pending_count_ = 0;
  std::vector<std::pair<int64_t, std::string>> blocks_;  // count, compressed bytes
};

// A parsed container: metadata and each block's records, decompressed (codecs null, deflate,
// snappy, zstandard). Errors: kCorruption (truncated file, bad magic, sync mismatch, lengths past
// the end, blocks that do not decompress or exceed 256 MiB), kNotSupported (other codecs).
struct File {
  std::map<std::string, std::string> meta;
  std::vector<std::pair<int64_t, std::string>> blocks;  // record count, record bytes
};
Result<File> ParseFile(std::string_view bytes);

}  // namespace pe::iceberg::avro

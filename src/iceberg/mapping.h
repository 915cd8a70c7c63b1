// iceberg/: how a Pinot segment's columns map onto an Iceberg table's schema (public header).
//
// Field ids and types come from the table as loadTable returned it (catalogs renumber ids on
// create), never from a schema of our own. Every Pinot column maps by name (case-sensitive, as
// Iceberg) to a top-level field of a compatible type:
//   INT         -> int | long                 LONG      -> long | timestamp | timestamptz
//   FLOAT       -> float | double             DOUBLE    -> double
//   BOOLEAN     -> boolean                    TIMESTAMP -> timestamp | timestamptz (ms -> µs) |
//   long STRING      -> string                     BYTES     -> binary JSON        -> string |
//   struct<...>       BIG_DECIMAL -> decimal(P,S) | string UUID        -> uuid multi-value X ->
//   list<the mapping of X>
// A LONG mapped to a timestamp is epoch time in the unit of the segment's time column when it is
// that column (segment metadata segment.time.unit), else milliseconds. A Pinot column with no
// field of that name is an error; a required Iceberg field with no Pinot column is an error; an
// optional one is written as all nulls (a type the writer cannot express — map, date, time,
// nanosecond timestamps, variant, lists of structs, lists inside structs — is left out of the
// file instead, which Iceberg readers resolve to null by field id: spec "Column Projection"). A
// Pinot column with nulls (null vector) cannot fill a required field. A JSON column filling a
// struct needs long/int/double/float/boolean/string/struct fields (else kNotSupported). Errors name
// the table, the column and both types.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "convert/convert.h"
#include "iceberg/schema.h"
#include "segment/segment.h"

namespace pe::iceberg {

// The output columns (in the table schema's field order) for writing `seg` into a table with
// `schema`; `table` only names the table in errors. Errors: kInvalidArgument.
Result<std::vector<convert::ColumnTarget>> MapColumns(const segment::SegmentMeta& seg,
                                                      const Schema& schema,
                                                      const std::string& table);

}  // namespace pe::iceberg

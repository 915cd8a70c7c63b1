// task/: named crash points for the crash-recovery tests.
//
// When the environment variable PE_CRASH_AT is "<name>" or "<name>:<n>", the n-th (default first)
// time the process passes CrashPoint("<name>") it kills itself with SIGKILL — exactly what
// `kill -9` does at that moment, but at a chosen step. Unset (production), CrashPoint costs one
// relaxed atomic load. Points: "fetched" (segment in scratch), "converted" (Parquet written
// locally), "uploaded" (object published, checkpoint not yet recorded), "checkpointed".
#pragma once

namespace pe::task {

void CrashPoint(const char* name);

}  // namespace pe::task

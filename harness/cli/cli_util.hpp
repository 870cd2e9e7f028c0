// Small helpers the `run` and `load` commands share: colour detection, report files written
// atomically and checked writable before a run, and run ids.
#pragma once

#include <string>

namespace agentwork::harness {

// A short random hex id for this run (e-mail addresses, task titles).
std::string new_run_id();
// "always", "never", or "auto": a terminal on stdout without NO_COLOR or TERM=dumb.
bool use_color(const std::string& mode);
// Checked before the run, so that an hour of load is not lost to a typo in a path; creates the
// parent folders. An empty path is fine (no file asked for).
bool writable(const std::string& path, std::string& error);
// Writes through a temporary file and a rename: a reader never sees half a report.
bool write_file(const std::string& path, const std::string& text);

}  // namespace agentwork::harness

// Small helpers the `run` and `load` commands share: colour detection, report files written
// atomically and checked writable before a run, run ids, and the installed data files.
#pragma once

#include <string>

namespace agentwork::harness {

// A short random hex id for this run (e-mail addresses, task titles).
std::string new_run_id();
// "always", "never", or "auto": a terminal on stdout without NO_COLOR or TERM=dumb.
bool use_color(const std::string& mode);
// Checked before the run, so that an hour of load is not lost to a typo in a path; creates the
// parent folders, but no file where there was none. An empty path is fine (no file asked for).
bool writable(const std::string& path, std::string& error);
// Writes through a temporary file and a rename: a reader never sees half a report.
bool write_file(const std::string& path, const std::string& text);

// The installed data folder, <prefix>/share/agentwork, found from the program's own location
// (<prefix>/bin/agentwork), when the program runs from an install that has it; "" otherwise (a
// build tree).
std::string installed_data_dir();
// A scenario, profile or folder path as the user or a default gave it: as given when it exists
// there (or is absolute); else, for a relative path, the same path under installed_data_dir()
// when it exists there (so that "scenarios/conformance" works from any folder once installed);
// else as given, for the error to name.
std::string resolve_data_path(const std::string& path);

}  // namespace agentwork::harness

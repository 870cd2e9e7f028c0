// A Markdown summary of a run, for $GITHUB_STEP_SUMMARY and merge-request comments (GitHub and
// GitLab flavoured Markdown): the verdict first, then a table of scenarios, the failures and
// observations with their rule ids and evidence, the rules not seen, the latency per endpoint and
// the thresholds; for a load run its key figures, thresholds and contract failures. Pure: it reads the results and writes text; every string from the run is escaped,
// so a response body cannot inject markup. The layout is documented in docs/reports.md.
#pragma once

#include <string>
#include <string_view>

#include "harness/load/load_result.hpp"
#include "harness/result/run_result.hpp"

namespace agentwork::reports {

// The summary of `run`; with `load` (an `agentwork load` run) its load section instead of the
// empty scenario table. At most kMarkdownFindingsShown failures are written out (the rest are
// counted), so that the summary stays under the size CI tools accept (GitHub: 1 MiB).
inline constexpr std::size_t kMarkdownFindingsShown = 50;
std::string render_markdown(const harness::RunResult& run, const load::LoadResult* load);

// Markdown helpers, exposed for tests:
// `s` as literal Markdown text on one line: every character CommonMark or GFM could read as
// markup (\ ` * _ [ ] < > | ~ # & !) backslash-escaped, line breaks and other controls as spaces.
std::string md_text(std::string_view s);
// `s` as an inline code span on one line: delimited by one more backtick than the longest run
// inside it, padded with spaces when it starts or ends with a backtick. In a table cell '|' is
// escaped too (GFM splits cells on it even inside code spans, and reads "\|" there as '|').
std::string md_code(std::string_view s, bool table_cell = false);

}  // namespace agentwork::reports

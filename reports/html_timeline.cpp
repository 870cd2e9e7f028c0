#include "reports/html_timeline.hpp"

#include <algorithm>

#include "reports/html_report.hpp"
#include "reports/text_format.hpp"

namespace agentwork::reports {

using harness::RunResult;
using harness::TaskTimeline;

namespace {

std::string num(double v, int decimals = 1) {
  return text::fixed(v, decimals);
}

struct Lane {
  std::string_view name;
  std::string_view color;
};
constexpr Lane kLanes[] = {{"processing", "#4e79a7"},
                           {"awaiting_reply", "#f28e2b"},
                           {"awaiting_solution_approval", "#76b7b2"},
                           {"terminal", "#59a14f"}};

int lane_of(std::string_view state) {
  if (state == "awaiting_reply") return 1;
  if (state == "awaiting_solution_approval") return 2;
  if (state == "completed" || state == "cancelled") return 3;
  return 0;
}

std::string_view state_color(std::string_view state) {
  if (state == "cancelled") return "#9c9c9c";
  return kLanes[lane_of(state)].color;
}

// The timeline's geometry (SVG user units): the lane names left of kLeft, four lanes kLaneH
// high from kTop, a plot kPlot wide.
constexpr double kLeft = 200, kWidth = 880, kLaneH = 26, kTop = 22;
constexpr double kPlot = kWidth - kLeft - 20;

// One segment per state seen, in its lane, up to the next state or `span`.
template <typename X>
std::string timeline_states(const TaskTimeline& t, double span, const X& x) {
  std::string out;
  std::vector<const harness::TimelineEvent*> states;
  for (const auto& e : t.events) {
    if (e.kind == "state") states.push_back(&e);
  }
  for (std::size_t i = 0; i < states.size(); ++i) {
    const double from = states[i]->at_ms;
    const double to = i + 1 < states.size() ? states[i + 1]->at_ms : span;
    const int l = lane_of(states[i]->value);
    const double y = kTop + l * kLaneH + 3;
    out += "<rect class=\"state\" data-state=\"" + html_escape(states[i]->value) + "\" x=\"" +
           num(x(from)) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(6.0, x(to) - x(from))) +
           "\" height=\"" + num(kLaneH - 8) + "\" rx=\"3\" fill=\"" +
           std::string(state_color(states[i]->value)) + "\"><title>" +
           html_escape(states[i]->value) + " from " + num(from / 1000.0, 3) + " s</title></rect>";
  }
  return out;
}

// Creation as a dashed line; each client action as a diamond (hollow when refused).
template <typename X>
std::string timeline_actions(const TaskTimeline& t, const X& x) {
  std::string out;
  std::string_view current = "processing";
  for (const auto& e : t.events) {
    if (e.kind == "state") current = e.value;
    if (e.kind == "state") continue;
    const double cx = x(e.at_ms);
    if (e.kind == "created") {
      out += "<line class=\"created\" x1=\"" + num(cx) + "\" x2=\"" + num(cx) + "\" y1=\"" +
             num(kTop - 6) + "\" y2=\"" + num(kTop + 4 * kLaneH) +
             "\" stroke=\"#1f2328\" stroke-dasharray=\"3 3\"><title>created at " +
             num(e.at_ms / 1000.0, 3) + " s</title></line>";
      continue;
    }
    const double cy = kTop + lane_of(current) * kLaneH + kLaneH / 2 - 1;
    const std::string fill = e.ok ? "#1f2328" : "#ffffff";
    const std::string stroke = e.ok ? "#1f2328" : "#cf222e";
    out += "<g class=\"action\" data-action=\"" + html_escape(e.value) + "\" data-accepted=\"" +
           (e.ok ? "true" : "false") + "\"><path d=\"M" + num(cx) + " " + num(cy - 7) + " L" +
           num(cx + 7) + " " + num(cy) + " L" + num(cx) + " " + num(cy + 7) + " L" + num(cx - 7) +
           " " + num(cy) + " Z\" fill=\"" + fill + "\" stroke=\"" + stroke +
           "\" stroke-width=\"2\"/><text x=\"" + num(cx) + "\" y=\"" + num(kTop - 8) +
           "\" text-anchor=\"" +
           (cx > kWidth - 80  ? "end"
            : cx < kLeft + 40 ? "start"
                              : "middle") +
           "\">" + html_escape(e.value) + (e.ok ? "" : " (refused)") + "</text><title>" +
           html_escape(e.value) + (e.ok ? " accepted" : " refused") + " at " +
           num(e.at_ms / 1000.0, 3) + " s</title></g>";
  }
  return out;
}

std::string timeline_svg(const TaskTimeline& t, double end_ms) {
  const double span = std::max(end_ms, 1.0);
  const auto x = [&](double at) { return kLeft + std::clamp(at / span, 0.0, 1.0) * kPlot; };
  const double height = kTop + 4 * kLaneH + 26;
  std::string svg = "<svg class=\"timeline\" data-task=\"" + html_escape(t.task) +
                    "\" data-task-id=\"" + html_escape(t.task_id) + "\" viewBox=\"0 0 " +
                    num(kWidth, 0) + " " + num(height, 0) + "\" role=\"img\" aria-label=\"" +
                    html_escape("timeline of task " + t.task) + "\">";
  for (int l = 0; l < 4; ++l) {
    const double y = kTop + l * kLaneH;
    svg += "<rect x=\"" + num(kLeft, 0) + "\" y=\"" + num(y, 0) + "\" width=\"" + num(kPlot, 0) +
           "\" height=\"" + num(kLaneH - 2, 0) + "\" fill=\"#f6f8fa\"/>";
    svg += "<text x=\"" + num(kLeft - 8, 0) + "\" y=\"" + num(y + 16, 0) +
           "\" text-anchor=\"end\">" + std::string(kLanes[l].name) + "</text>";
  }
  // State segments: from the poll that first showed a state to the next state (or the end).
  svg += timeline_states(t, span, x);
  // Creation and the client's actions, in the lane of the state they acted on.
  svg += timeline_actions(t, x);
  // The time axis.
  const double axis_y = kTop + 4 * kLaneH + 4;
  for (int k = 0; k <= 4; ++k) {
    const double at = span * k / 4;
    svg += "<text x=\"" + num(x(at)) + "\" y=\"" + num(axis_y + 14) +
           "\" text-anchor=\"middle\" class=\"muted\">" + num(at / 1000.0, 2) + " s</text>";
  }
  return svg + "</svg>";
}

}  // namespace

std::string timelines_section(const RunResult& r) {
  std::size_t tasks = 0;
  for (const auto& s : r.scenarios) tasks += s.timelines.size();
  if (tasks == 0) return "";
  std::string out = "<section id=\"timelines\"><h2>Task timelines (" + std::to_string(tasks) +
                    ")</h2><p class=\"muted legend\">";
  for (const auto& lane : kLanes) {
    out += "<span><i style=\"background:" + std::string(lane.color) + "\"></i>" +
           std::string(lane.name) + "</span>";
  }
  out +=
      "<span><i style=\"background:#9c9c9c\"></i>cancelled</span><span>◆ client action "
      "(hollow red: refused)</span><span>┆ created</span></p>";
  for (const auto& s : r.scenarios) {
    if (s.timelines.empty()) continue;
    out += "<h3>" + html_escape(s.name) + " <span class=\"muted\">" + html_escape(s.file) +
           "</span></h3>";
    for (const auto& t : s.timelines) {
      out += "<p class=\"muted\">task <code>" + html_escape(t.task) + "</code> " +
             html_escape(t.task_id) + " · " + std::to_string(t.polls) + " polls</p>" +
             timeline_svg(t, s.duration_ms);
    }
  }
  return out + "</section>";
}

}  // namespace agentwork::reports

// The Prometheus text format of a MetricsSnapshot. See metrics.h; docs/metrics.md lists every
// family written here.
#include "diag/metrics.h"

#include <glib.h>

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

namespace mls::diag {
namespace {

using Labels = std::vector<std::pair<const char*, std::string>>;

constexpr std::array<model::RunState, 6> kStates = {
    model::RunState::Idle,     model::RunState::Connecting, model::RunState::Live,
    model::RunState::Retrying, model::RunState::Failed,     model::RunState::Stopped};

std::string escapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Writes families one after the other; each family's samples follow its # HELP and # TYPE.
class Writer {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    text_ += escapeHelp(help);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
  }
  void sample(const char* name, const Labels& labels, double value) {
    text_ += name;
    if (!labels.empty()) {
      text_ += '{';
      bool first = true;
      for (const auto& [label, label_value] : labels) {
        if (!first) text_ += ',';
        first = false;
        text_ += label;
        text_ += "=\"";
        text_ += escapeLabelValue(label_value);
        text_ += '"';
      }
      text_ += '}';
    }
    text_ += ' ';
    text_ += formatValue(value);
    text_ += '\n';
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

// One run-state family (a gauge per state, 1 for the current one) and the per-run families of
// inputs (kind "input") or outputs (kind "output").
struct RunSeries {
  Labels labels;
  const std::string* scheme;
  const model::RunStatus* status;
};

void writeRunFamilies(Writer& w, const char* kind, const std::vector<RunSeries>& series) {
  const std::string prefix = std::string("mls_") + kind + "_";
  auto name = [&](const char* suffix) { return prefix + suffix; };
  auto with = [](Labels labels, const char* key, std::string value) {
    labels.emplace_back(key, std::move(value));
    return labels;
  };
  const std::string what = kind;

  std::string n = name("info");
  w.family(n.c_str(), "gauge",
           ("Always 1 for each configured " + what + "; `scheme` is its URL scheme.").c_str());
  for (const auto& s : series) w.sample(n.c_str(), with(s.labels, "scheme", *s.scheme), 1);

  n = name("state");
  w.family(n.c_str(), "gauge",
           ("Observed state of the " + what +
            ": 1 for the current state, 0 for the others (idle, connecting, live, retrying, "
            "failed, stopped).")
               .c_str());
  for (const auto& s : series)
    for (model::RunState state : kStates)
      w.sample(n.c_str(), with(s.labels, "state", model::runStateName(state)),
               s.status->state == state ? 1 : 0);

  struct Figure {
    const char* suffix;
    const char* type;
    std::string help;
    double (*value)(const model::RunStatus&);
  };
  const Figure figures[] = {
      {"bytes_total", "counter",
       "Bytes of media the " + what + " has carried, over every run since it was created.",
       [](const model::RunStatus& s) { return static_cast<double>(s.bytes_total); }},
      {"bitrate_bps", "gauge", "Bit rate of the " + what + " over the last second, in bit/s.",
       [](const model::RunStatus& s) { return s.bitrate_bps; }},
      {"fps", "gauge", "Video frames per second of the " + what + " over the last second.",
       [](const model::RunStatus& s) { return s.fps; }},
      {"reconnects_total", "counter",
       "Retries of the " + what + " after a failure, since it was created.",
       [](const model::RunStatus& s) { return static_cast<double>(s.reconnects); }},
      {"uptime_seconds", "gauge",
       "Seconds since the " + what + " last went live; 0 when it is not live.",
       [](const model::RunStatus& s) { return s.uptime_s; }},
  };
  for (const Figure& f : figures) {
    n = name(f.suffix);
    w.family(n.c_str(), f.type, f.help.c_str());
    for (const auto& s : series) w.sample(n.c_str(), s.labels, f.value(*s.status));
  }
}

void writeStateCounts(Writer& w, const char* name, const char* help,
                      const std::vector<const model::RunStatus*>& statuses) {
  w.family(name, "gauge", help);
  for (model::RunState state : kStates) {
    int count = 0;
    for (const model::RunStatus* s : statuses) count += s->state == state ? 1 : 0;
    w.sample(name, {{"state", model::runStateName(state)}}, count);
  }
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  // Whole numbers up to 2^53 are exact in a double: print them without exponent or fraction.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(value));
    return std::string(buffer, end);
  }
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

std::string schemeOf(std::string_view url) {
  size_t end = url.find("://");
  if (end == std::string_view::npos || end == 0 || end > 16 || !g_ascii_isalpha(url[0]))
    return "unknown";
  std::string scheme;
  for (char c : url.substr(0, end)) {
    if (!g_ascii_isalnum(c) && c != '+' && c != '-' && c != '.') return "unknown";
    scheme += g_ascii_tolower(c);
  }
  return scheme;
}

std::string renderMetrics(const MetricsSnapshot& snapshot) {
  Writer w;
  w.family("mls_build_info", "gauge",
           "Always 1; the labels say which mlsd and which GStreamer are running.");
  w.sample("mls_build_info",
           {{"version", snapshot.version}, {"gstreamer", snapshot.gstreamer_version}}, 1);

  const ProcessFigures& p = snapshot.process;
  w.family("mls_process_start_time_seconds", "gauge",
           "Start time of the mlsd process, in seconds since the Unix epoch.");
  w.sample("mls_process_start_time_seconds", {}, p.start_time_unix_s);
  w.family("mls_process_cpu_user_seconds_total", "counter",
           "CPU time mlsd has spent in user mode, in seconds.");
  w.sample("mls_process_cpu_user_seconds_total", {}, p.cpu_user_s);
  w.family("mls_process_cpu_system_seconds_total", "counter",
           "CPU time mlsd has spent in the kernel on its behalf, in seconds.");
  w.sample("mls_process_cpu_system_seconds_total", {}, p.cpu_system_s);
  w.family("mls_process_resident_memory_bytes", "gauge", "Resident memory of mlsd, in bytes.");
  w.sample("mls_process_resident_memory_bytes", {}, p.resident_bytes);
  w.family("mls_process_open_fds", "gauge", "File descriptors mlsd has open.");
  w.sample("mls_process_open_fds", {}, p.open_fds);
  w.family("mls_process_threads", "gauge", "Threads of the mlsd process.");
  w.sample("mls_process_threads", {}, p.threads);

  std::vector<const model::RunStatus*> input_statuses, output_statuses;
  std::vector<RunSeries> inputs, outputs;
  for (const InputMetrics& in : snapshot.inputs) {
    input_statuses.push_back(&in.status);
    inputs.push_back({{{"input", in.name}}, &in.scheme, &in.status});
    for (const OutputMetrics& out : in.outputs) {
      output_statuses.push_back(&out.status);
      outputs.push_back({{{"input", in.name}, {"output", out.name}}, &out.scheme, &out.status});
    }
  }
  writeStateCounts(w, "mls_inputs", "Configured inputs in each observed state.", input_statuses);
  writeStateCounts(w, "mls_outputs", "Configured outputs in each observed state.", output_statuses);
  writeRunFamilies(w, "input", inputs);
  writeRunFamilies(w, "output", outputs);

  w.family("mls_input_rtsp_clients", "gauge",
           "RTSP sessions playing the input's publication on the embedded RTSP server.");
  for (const InputMetrics& in : snapshot.inputs)
    w.sample("mls_input_rtsp_clients", {{"input", in.name}}, in.rtsp_clients);

  w.family("mls_recording_state", "gauge",
           "Observed state of the input's recording: 1 for the current state, 0 for the others "
           "(stopped when the input is not recorded).");
  for (const InputMetrics& in : snapshot.inputs)
    for (model::RunState state : kStates)
      w.sample("mls_recording_state", {{"input", in.name}, {"state", model::runStateName(state)}},
               in.recording.run.state == state ? 1 : 0);
  w.family("mls_recording_bytes_total", "counter",
           "Bytes of media written to the input's recording since mlsd started recording it.");
  for (const InputMetrics& in : snapshot.inputs)
    w.sample("mls_recording_bytes_total", {{"input", in.name}},
             static_cast<double>(in.recording.run.bytes_total));
  w.family("mls_recording_segments_total", "counter",
           "Segment files the input's recording has opened since mlsd started recording it.");
  for (const InputMetrics& in : snapshot.inputs)
    w.sample("mls_recording_segments_total", {{"input", in.name}}, in.recording.segments);

  // "input cam1" → kind "input", owner "cam1"; "runtime" → kind "runtime", no owner.
  w.family("mls_threads", "gauge",
           "Threads of mlsd by owner: owner_kind input, output, mls, runtime or unknown; owner "
           "is the input or input/output (empty for shared threads).");
  for (const auto& [key, count] : snapshot.threads_by_owner) {
    size_t space = key.find(' ');
    std::string kind = key.substr(0, space);
    std::string owner = space == std::string::npos ? std::string() : key.substr(space + 1);
    w.sample("mls_threads", {{"owner_kind", kind}, {"owner", owner}}, count);
  }
  return w.take();
}

}  // namespace mls::diag

// FanoutSender: the one mlsrtmpfanout of an input (plugins/README.md), which sends every
// passthrough RTMP/RTMPS output of that input from one pipeline and one event-loop thread:
//
//   Flv tap ──(direct)──▶ mlsrtmpfanout name=fanout     (pipeline "fanout-<input>")
//                          ├─ destination "youtube"  = output cam1/youtube
//                          └─ destination "backup"   = output cam1/backup
//
// An output (OutputRunner, with --rtmp-sender=fanout) that would send the input's FLV stream as
// it is adds itself as a destination, with its name as the destination id, instead of building
// a pipeline of its own; an added output costs a socket and its backlog, no thread. The pipeline
// exists while the input is live and has at least one destination: the first add() builds it,
// and it is torn down (on the next main-loop turn, so a remove + add of a changed URL keeps it)
// when the last destination is removed.
//
// What happens to one destination (connecting, live, retrying, failed, bytes) arrives as the
// element's `mls-rtmp-fanout-destination` messages on the pipeline's bus and is handed to that
// destination's `report` callback only: a destination's trouble never reaches the others. The
// element reconnects a destination by itself with the project's backoff (--retry-initial and
// --retry-max set its reconnect-min-ms / reconnect-max-ms). Only a failure of the whole pipeline
// (an element error, an unexpected EOS) reaches every destination, through `failed`, after the
// pipeline is gone: each output then retries on its own backoff and adds itself again.
//
// stop(drain_ms) sends EOS through the fan-out: every live destination writes its backlog and
// unpublishes (FCUnpublish, deleteStream), which is how a drained shutdown or an input being
// disabled ends all of them at once.
//
// Owned by its InputRunner, which must call setInput(nullptr) before its input pipeline goes
// away. Main thread.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/gobj.h"
#include "core/result.h"
#include "media/input_pipeline.h"
#include "media/output_pipeline.h"
#include "media/run_context.h"

namespace mls::media {

class FanoutSender {
 public:
  // One `mls-rtmp-fanout-destination` message, as far as an output needs it.
  struct Report {
    std::string state;  // connecting · live · retrying · failed · stopped
    std::string error;  // the destination's last error ("" if none)
  };
  struct Listener {
    std::function<void(const Report&)> report;  // main thread, from the bus watch
    // Main thread, outside any bus callback: the whole fan-out failed and is gone; the
    // destination has been removed. `permanent`: retrying will not help.
    std::function<void(const std::string& error, bool permanent)> failed;
  };

  FanoutSender(std::string input_name, RunContext& ctx);
  ~FanoutSender();
  FanoutSender(const FanoutSender&) = delete;
  FanoutSender& operator=(const FanoutSender&) = delete;

  // The input went live (`input` set) or is going down (nullptr: the pipeline is disposed at
  // once, without drain; destinations stay registered until their outputs remove them).
  void setInput(InputPipeline* input);

  // Adds destination `id` (an output's name) sending to `url`; builds and starts the pipeline
  // if there is none. Errors: no live input, the element refusing the URL (ErrorCode::Invalid),
  // a pipeline that cannot be built or started.
  Result<void> add(const std::string& id, const std::string& url, Listener listener);
  // Removes `id` (unpublished if live; the others are not touched). No-op if unknown.
  void remove(const std::string& id);
  // Ends the fan-out: with drain_ms > 0 EOS goes through first so every destination unpublishes
  // (at most drain_ms). Destinations stay registered; a later add() starts a new pipeline.
  void stop(int drain_ms);

  // Once a second, before the outputs sample their counters: reads the element's `stats`.
  void refresh();
  // Counters of destination `id` since it was added.
  uint64_t bytes(const std::string& id) const;
  uint64_t videoFrames(const std::string& id) const;

  // The running pipeline (borrowed), nullptr when none.
  GstElement* pipeline() const;
  // The gst-launch-1.0 line of the fan-out with destination `id` only (stream key masked), ""
  // when `id` is not being sent.
  std::string launchLine(const std::string& id) const;

 private:
  struct Destination {
    std::string url;
    Listener listener;
    uint64_t bytes = 0;
    uint64_t frames_at_add = 0;
  };

  Result<void> ensurePipeline();
  void onElementMessage(const GstStructure* message);
  void onPipelineFailed(const std::string& error, bool permanent);
  uint64_t feedFrames() const;

  std::string input_name_;
  RunContext& ctx_;
  InputPipeline* input_ = nullptr;  // borrowed from the InputRunner while the input is live
  std::unique_ptr<OutputPipeline> pipeline_;
  GstElement* fanout_ = nullptr;  // the element, owned by pipeline_
  std::map<std::string, Destination> destinations_;
  SourceGuard idle_teardown_;  // pending teardown once the last destination is gone
  SourceGuard deferred_;       // a pipeline failure, handled outside the bus callback
};

}  // namespace mls::media

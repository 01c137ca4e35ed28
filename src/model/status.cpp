// Names of observed run states, as the API and events show them. See status.h.
#include "model/status.h"

namespace mls::model {

const char* runStateName(RunState state) {
  switch (state) {
    case RunState::Idle:
      return "idle";
    case RunState::Connecting:
      return "connecting";
    case RunState::Live:
      return "live";
    case RunState::Retrying:
      return "retrying";
    case RunState::Failed:
      return "failed";
    case RunState::Stopped:
      return "stopped";
  }
  return "idle";
}

}  // namespace mls::model

// StateStore: the desired state on disk, in <state-dir>/state.json. Written atomically on every
// change (temp file in the same directory, fsync, rename, fsync the directory), so a crash
// leaves the old or the new file, never half of one. A corrupt or unreadable file is an error
// that stops mlsd; it is never overwritten. Owned by the Server; main thread.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "model/spec.h"

namespace mls::model {

class StateStore {
 public:
  explicit StateStore(std::string state_dir);

  // Creates the state directory if missing. nullopt when there is no state file yet (first
  // start); an Error naming the file and the problem when it exists but cannot be used.
  Result<std::optional<Config>> load();
  Result<void> save(const Config& config);

  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace mls::model

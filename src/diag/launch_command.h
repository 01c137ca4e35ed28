// LaunchCommand: a pipeline's gst-launch-1.0 description (what InputPipeline::launchLine() and
// OutputPipeline::launchLine() keep) as a command an engineer can paste into a shell:
// "gst-launch-1.0 -e " followed by the description, each word that a POSIX shell would
// interpret (&, ;, quotes, parentheses, $, *, ?, …) in single quotes. gst-launch-1.0 joins its
// arguments with spaces before parsing them, so quoting word by word changes nothing for it.
// Pure function; any thread.
#pragma once

#include <string>
#include <string_view>

namespace mls::diag {

std::string launchCommand(std::string_view description);

}  // namespace mls::diag

// Whole-spec validation. Every mutation of the desired state validates the complete result
// before anything changes, so a rejected request (or import) changes nothing. Pure, any thread.
#pragma once

#include "core/result.h"
#include "model/spec.h"

namespace mls::model {

Result<void> validateOutput(const OutputSpec& output);
// Checks the input, each of its outputs, and that output names are unique within it.
Result<void> validateInput(const InputSpec& input, const ValidationContext& ctx);
// Checks every input and that input names are unique.
Result<void> validateConfig(const Config& config, const ValidationContext& ctx);

}  // namespace mls::model

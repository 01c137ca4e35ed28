// Look-ups on the desired state. See spec.h.
#include "model/spec.h"

#include <algorithm>
#include <utility>

namespace mls::model {

const OutputSpec* InputSpec::findOutput(const std::string& output_name) const {
  auto it = std::find_if(outputs.begin(), outputs.end(),
                         [&](const OutputSpec& o) { return o.name == output_name; });
  return it == outputs.end() ? nullptr : &*it;
}

OutputSpec* InputSpec::findOutput(const std::string& output_name) {
  return const_cast<OutputSpec*>(std::as_const(*this).findOutput(output_name));
}

const InputSpec* Config::findInput(const std::string& input_name) const {
  auto it = std::find_if(inputs.begin(), inputs.end(),
                         [&](const InputSpec& i) { return i.name == input_name; });
  return it == inputs.end() ? nullptr : &*it;
}

InputSpec* Config::findInput(const std::string& input_name) {
  return const_cast<InputSpec*>(std::as_const(*this).findInput(input_name));
}

}  // namespace mls::model

// Names of inputs and outputs (model/names.h) and the small value helpers (spec.h, status.h).
#include "model/names.h"

#include <gtest/gtest.h>

#include "model/spec.h"
#include "model/status.h"

namespace mls::model {
namespace {

TEST(Names, AcceptsTheRule) {
  for (const char* name : {"a", "0", "cam1", "cam_1", "cam-1", "a-b_c-9", "9lives"}) {
    EXPECT_TRUE(isValidName(name)) << name;
    EXPECT_TRUE(checkName(name).has_value()) << name;
  }
  EXPECT_TRUE(isValidName(std::string(64, 'a')));
}

TEST(Names, RefusesEverythingElse) {
  for (const char* name :
       {"", "-cam", "_cam", "Cam", "cam 1", "cam/1", "cam.1", "..", "cam\n", "caméra", "cam%20"}) {
    EXPECT_FALSE(isValidName(name)) << name;
  }
  EXPECT_FALSE(isValidName(std::string(65, 'a')));
}

TEST(Names, ErrorNamesTheFieldAndTheRule) {
  auto empty = checkName("", "input");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::Invalid);
  EXPECT_EQ(empty.error().field, "input");
  EXPECT_EQ(empty.error().message, "input is required");

  auto bad = checkName("Bad Name");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "name");
  EXPECT_NE(bad.error().message.find("'Bad Name'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("a-z, 0-9"), std::string::npos);

  auto control = checkName(std::string("a\x01") + std::string(100, 'b'));
  ASSERT_FALSE(control);
  EXPECT_EQ(control.error().message.find('\x01'), std::string::npos);
  EXPECT_NE(control.error().message.find("a?bbb"), std::string::npos);
  EXPECT_NE(control.error().message.find("..."), std::string::npos);
}

TEST(Spec, FindsInputsAndOutputsByName) {
  Config config;
  config.inputs.push_back(InputSpec{.name = "cam1"});
  config.inputs.push_back(InputSpec{.name = "cam2"});
  config.inputs[1].outputs.push_back(OutputSpec{.name = "yt"});
  ASSERT_NE(config.findInput("cam2"), nullptr);
  EXPECT_EQ(config.findInput("cam2")->name, "cam2");
  EXPECT_EQ(config.findInput("cam3"), nullptr);
  const Config& const_config = config;
  ASSERT_NE(const_config.findInput("cam2")->findOutput("yt"), nullptr);
  EXPECT_EQ(config.findInput("cam1")->findOutput("yt"), nullptr);
  config.findInput("cam2")->findOutput("yt")->enabled = false;
  EXPECT_FALSE(config.inputs[1].outputs[0].enabled);
}

TEST(Status, RunStateNamesAreLowerCase) {
  EXPECT_STREQ(runStateName(RunState::Idle), "idle");
  EXPECT_STREQ(runStateName(RunState::Connecting), "connecting");
  EXPECT_STREQ(runStateName(RunState::Live), "live");
  EXPECT_STREQ(runStateName(RunState::Retrying), "retrying");
  EXPECT_STREQ(runStateName(RunState::Failed), "failed");
  EXPECT_STREQ(runStateName(RunState::Stopped), "stopped");
}

}  // namespace
}  // namespace mls::model

// Mlsd launcher (see mlsd.h).
#include "mlsd.h"

#include "fixture.h"

#ifndef MLS_MLSD_PATH
#define MLS_MLSD_PATH "mlsd"
#endif

namespace mls::test {

namespace {

std::string tail(const std::string& text, std::size_t max = 4000) {
  return text.size() > max ? "…" + text.substr(text.size() - max) : text;
}

}  // namespace

Mlsd::Mlsd(MlsdOptions options) : options_(std::move(options)) {
  if (options_.stateDir.empty()) options_.stateDir = uniqueOutputPath("mlsd-state", "");
  std::filesystem::create_directories(options_.stateDir);
}

::testing::AssertionResult Mlsd::start(std::chrono::milliseconds timeout) {
  if (process_.running()) return ::testing::AssertionFailure() << "mlsd is already running";
  ProcessOptions process_options;
  process_options.argv = {envOr("MLSD", MLS_MLSD_PATH),
                          "--listen",
                          "127.0.0.1:0",
                          "--rtsp-listen",
                          "127.0.0.1:0",
                          "--no-demo",
                          "--state-dir",
                          options_.stateDir.string()};
  process_options.argv.insert(process_options.argv.end(), options_.args.begin(),
                              options_.args.end());
  process_options.name = "mlsd";
  process_options.env = options_.env;
  process_ = Process(process_options);
  if (!process_.started()) return ::testing::AssertionFailure() << process_.startError();
  const auto line = process_.waitForLine(R"(listening on (http://[^ /]+))", timeout);
  if (!line) {
    const auto status = process_.exitStatus();
    return ::testing::AssertionFailure()
           << "mlsd did not log \"listening on http://…\" within " << timeout.count() << " ms ("
           << (status ? status->describe() : std::string("still running"))
           << ")\n  command: " << process_.commandLine() << "\n  log " << process_.logPath()
           << ":\n"
           << tail(process_.log());
  }
  baseUrl_ = line->groups[1];
  return ::testing::AssertionSuccess();
}

int Mlsd::stop(std::chrono::milliseconds grace) {
  const ExitStatus status = process_.stop(grace);
  return status.signal != 0 ? 128 + status.signal : status.code;
}

::testing::AssertionResult Mlsd::restart(std::chrono::milliseconds timeout) {
  if (process_.running()) stop();
  baseUrl_.clear();
  return start(timeout);
}

}  // namespace mls::test

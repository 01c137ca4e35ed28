// mlsd under a service manager: the sd_notify protocol spoken to a notify socket the test binds
// itself (what systemd does for Type=notify): READY=1 once mlsd listens, WATCHDOG=1 pings at
// half of WATCHDOG_USEC from the main loop (none while the process is frozen), STOPPING=1 on
// SIGTERM. And tools/packaging/mlsd.service passes `systemd-analyze verify` without a warning.
//
// Peers: none (the notify socket is the test's own); systemd-analyze (package systemd).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "fixture.h"
#include "mlsd.h"
#include "process.h"
#include "relay_fixture.h"

namespace mls::test {
namespace {

using Clock = std::chrono::steady_clock;

// A unix datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    unlink(path.c_str());
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~NotifySocket() {
    close(fd_);
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }

  // The next datagram, or "" after `timeout`.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
    char buffer[4096];
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }
  // Waits for a message containing `needle`; every message seen is appended to `seen`.
  bool waitFor(const std::string& needle, std::chrono::milliseconds timeout,
               std::vector<std::string>* seen) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      std::string message = receive(left);
      if (message.empty()) continue;
      seen->push_back(message);
      if (message.find(needle) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string joined(const std::vector<std::string>& messages) {
  std::string text;
  for (const auto& m : messages) text += "[" + m + "] ";
  return text;
}

class ServiceNotify : public LoopTest {};

TEST_F(ServiceNotify, ReadyWatchdogAndStopping) {
  // A short path: sun_path holds 108 bytes.
  const std::string path = "/tmp/mls-notify-" + std::to_string(getpid()) + ".sock";
  NotifySocket notify(path);
  ASSERT_TRUE(notify.bound()) << path;

  MlsdOptions options;
  options.env = {{"NOTIFY_SOCKET", path}, {"WATCHDOG_USEC", "400000"}};
  Mlsd mlsd(options);
  ASSERT_TRUE(mlsd.start());
  std::vector<std::string> seen;
  ASSERT_TRUE(notify.waitFor("READY=1", std::chrono::seconds(10), &seen)) << joined(seen);
  EXPECT_NE(seen.back().find("STATUS=API on http://127.0.0.1:"), std::string::npos) << seen.back();

  // Pings every 200 ms (half of WATCHDOG_USEC), from the main loop.
  int pings = 0;
  auto start = Clock::now();
  while (Clock::now() - start < std::chrono::milliseconds(1500)) {
    std::string message = notify.receive(std::chrono::milliseconds(300));
    if (message == "WATCHDOG=1") pings++;
  }
  EXPECT_GE(pings, 5) << "in 1.5 s";
  EXPECT_LE(pings, 9) << "in 1.5 s";

  // A frozen process sends nothing (this is what lets systemd notice a wedged mlsd).
  ASSERT_TRUE(mlsd.process().pause());
  while (!notify.receive(std::chrono::milliseconds(50)).empty()) {
  }  // what was sent before the freeze
  EXPECT_EQ(notify.receive(std::chrono::milliseconds(800)), "");
  ASSERT_TRUE(mlsd.process().resume());

  ASSERT_TRUE(mlsd.process().signal(SIGTERM));
  seen.clear();
  EXPECT_TRUE(notify.waitFor("STOPPING=1", std::chrono::seconds(10), &seen)) << joined(seen);
  auto status = mlsd.process().wait(std::chrono::seconds(15));
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(ServiceNotify, WithoutNotifySocketNothingIsSent) {
  Mlsd mlsd;
  ASSERT_TRUE(mlsd.start());
  EXPECT_EQ(mlsd.process().countLines("told systemd"), 0);
  EXPECT_EQ(mlsd.stop(), 0);
}

TEST(ServiceUnit, SystemdAnalyzeVerifyPasses) {
  // The unit as shipped, with ExecStart pointing at the binary under test (verify checks that
  // the command exists).
  std::ifstream in(envOr("MLS_SOURCE_ROOT", ".") + "/tools/packaging/mlsd.service");
  ASSERT_TRUE(in) << "tools/packaging/mlsd.service not found";
  std::string unit((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string installed = "/usr/local/bin/mlsd";
  ASSERT_NE(unit.find(installed), std::string::npos);
  unit.replace(unit.find(installed), installed.size(), envOr("MLSD", ""));
  const auto dir = uniqueOutputPath("unit", "");
  std::filesystem::create_directories(dir);
  const auto file = dir / "mlsd.service";
  std::ofstream(file) << unit;

  ProcessOptions options;
  options.argv = {"systemd-analyze", "verify", file.string()};
  options.name = "systemd-analyze";
  Process verify(options);
  ASSERT_TRUE(verify.started()) << verify.startError();
  auto status = verify.wait(std::chrono::seconds(60));
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success()) << status->describe() << "\n" << verify.log();
  // Unknown keys and bad values are warnings, not errors: none allowed either.
  EXPECT_EQ(verify.log().find(file.string()), std::string::npos) << verify.log();
  for (const char* key : {"Type=notify", "WatchdogSec=", "TasksMax=", "NotifyAccess=main"})
    EXPECT_NE(unit.find(key), std::string::npos) << key;
}

}  // namespace
}  // namespace mls::test

// Process: one external program a test starts (nginx, ffmpeg, srt-live-transmit, mlsd, the RTSP
// test server), owned by the test for exactly as long as the object lives.
//
// The child runs in its own process group, with stdin from /dev/null and stdout+stderr in a log
// file in the test's output directory (stdout can go to a file of its own). It gets SIGKILL if
// the thread that started it dies (PR_SET_PDEATHSIG), and the destructor kills the whole group
// and reaps it, so a test never leaves processes behind, even when it fails or crashes. The
// watchdog (fixture.h) kills every live Process before aborting a hung test.
//
// Thread-bound: a Process is used from the thread that started it (normally the test's main
// thread). waitForLine() iterates that thread's default main context while it waits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mls::test {

// How a process ended: `code` for a normal exit (else -1), `signal` when a signal killed it.
struct ExitStatus {
  int code = -1;
  int signal = 0;

  bool exited() const { return signal == 0 && code >= 0; }
  bool success() const { return exited() && code == 0; }
  std::string describe() const;  // "exit 0", "killed by SIGKILL"
};

// A log line that matched a regex: the line and its capture groups (groups[0] is the match).
struct LineMatch {
  std::string line;
  std::vector<std::string> groups;
};

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH unless it contains a '/'
  std::string name;               // log file stem; default: basename of argv[0]
  std::vector<std::pair<std::string, std::string>> env;  // set on top of the test's environment
  std::filesystem::path stdoutPath;  // when set, stdout goes there and only stderr to the log
  std::filesystem::path logPath;     // default: uniqueOutputPath(name, ".log")
};

class Process {
 public:
  Process() = default;  // nothing started
  explicit Process(ProcessOptions options);
  explicit Process(std::vector<std::string> argv, std::string name = {});
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Whether the program was started; if not, startError() says why (also reported to gtest).
  bool started() const { return pid_ > 0; }
  const std::string& startError() const { return startError_; }
  pid_t pid() const { return pid_; }
  std::string commandLine() const;

  // Whether the process is alive (a paused process is alive). Reaps it when it has ended.
  bool running();
  // How it ended, once it has (nullopt while it runs or when it never started).
  std::optional<ExitStatus> exitStatus();
  // Waits up to `timeout` for the process to end on its own; nullopt if it is still running.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);

  // SIGTERM (and SIGCONT, in case it is paused) to the group, up to `grace` for it to end, then
  // SIGKILL. Returns how it ended.
  ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL to the group, and reap.
  ExitStatus kill9();
  // SIGSTOP / SIGCONT to the group: the peer freezes without closing its sockets.
  bool pause();
  bool resume();
  // Whether the kernel reports the process group as frozen (members stopped, state T), e.g.
  // after pause().
  bool paused() const;
  // Any signal to the group.
  bool signal(int sig);

  const std::filesystem::path& logPath() const { return logPath_; }
  const std::filesystem::path& stdoutPath() const { return stdoutPath_; }
  std::string log() const;
  // The log's current size: pass it as `since` to wait only for lines written from now on.
  std::size_t logMark() const;

  // Waits until a line of the log written after byte `since` matches `regex` (ECMAScript,
  // searched anywhere in the line). Returns early with nullopt if the process ends without it.
  std::optional<LineMatch> waitForLine(const std::string& regex, std::chrono::milliseconds timeout,
                                       std::size_t since = 0);
  // The number of log lines after byte `since` that match `regex`.
  int countLines(const std::string& regex, std::size_t since = 0) const;

 private:
  void spawn(ProcessOptions options);
  void reapNow(int raw_status);
  void release() noexcept;  // kill the group and reap, used by the destructor and move

  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
  std::vector<std::string> argv_;
  std::filesystem::path logPath_;
  std::filesystem::path stdoutPath_;
  std::string startError_;
};

// Sends SIGKILL to the process group of every Process alive in this test program. Called by the
// watchdog before it aborts; async-signal-unsafe but thread-safe.
void killAllProcesses() noexcept;

// Whether a process with this pid exists (kill(pid, 0) succeeds). Zombies count as existing.
bool pidExists(pid_t pid);

}  // namespace mls::test

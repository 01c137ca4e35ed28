// Process: fork/exec with a process group, a log file and guaranteed cleanup (see process.h).
//
// Between fork() and execve() the child only makes async-signal-safe calls; everything it needs
// (resolved path, argv, envp, open log files) is prepared by the parent first, because the test
// program has other threads (GLib workers, the watchdog, SSE clients).
#include "process.h"

#include <fcntl.h>
#include <glib.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

#include "fixture.h"

namespace mls::test {

namespace {

std::mutex& registryMutex() {
  static std::mutex mutex;
  return mutex;
}
std::set<pid_t>& registry() {  // process group ids of live children, protected by registryMutex()
  static std::set<pid_t> pids;
  return pids;
}
void registerPid(pid_t pid) {
  std::lock_guard lock(registryMutex());
  registry().insert(pid);
}
void unregisterPid(pid_t pid) {
  std::lock_guard lock(registryMutex());
  registry().erase(pid);
}

std::string readFrom(const std::filesystem::path& path, std::size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto end = static_cast<std::size_t>(in.tellg());
  if (offset >= end) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::string data(end - offset, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

// Splits on '\n' and '\r' (ffmpeg rewrites its progress line with '\r'). The last piece, if not
// terminated, is returned in `rest`.
std::vector<std::string> splitLines(const std::string& data, std::string* rest) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' || data[i] == '\r') {
      if (i > start) lines.push_back(data.substr(start, i - start));
      start = i + 1;
    }
  }
  if (rest) *rest = data.substr(start);
  return lines;
}

std::optional<LineMatch> matchLine(const std::string& line, const std::regex& re) {
  std::smatch m;
  if (!std::regex_search(line, m, re)) return std::nullopt;
  LineMatch match{line, {}};
  for (const auto& group : m) match.groups.push_back(group.str());
  return match;
}

[[noreturn]] void childFail(int error_pipe, int error) {
  ssize_t ignored = write(error_pipe, &error, sizeof error);
  (void)ignored;
  _exit(127);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) {
    const char* name = sigabbrev_np(signal);
    return std::string("killed by SIG") + (name ? name : std::to_string(signal));
  }
  return "exit " + std::to_string(code);
}

Process::Process(ProcessOptions options) { spawn(std::move(options)); }

Process::Process(std::vector<std::string> argv, std::string name) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.name = std::move(name);
  spawn(std::move(options));
}

Process::~Process() { release(); }

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      status_(std::move(other.status_)),
      argv_(std::move(other.argv_)),
      logPath_(std::move(other.logPath_)),
      stdoutPath_(std::move(other.stdoutPath_)),
      startError_(std::move(other.startError_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::move(other.status_);
    argv_ = std::move(other.argv_);
    logPath_ = std::move(other.logPath_);
    stdoutPath_ = std::move(other.stdoutPath_);
    startError_ = std::move(other.startError_);
  }
  return *this;
}

std::string Process::commandLine() const {
  std::string line;
  for (const auto& arg : argv_) {
    if (!line.empty()) line += ' ';
    g_autofree gchar* quoted = g_shell_quote(arg.c_str());
    line += (arg.find_first_of(" '\"\\$&|;<>*?()") == std::string::npos) ? arg : quoted;
  }
  return line;
}

void Process::spawn(ProcessOptions options) {
  argv_ = options.argv;
  if (argv_.empty()) {
    startError_ = "no command";
    ADD_FAILURE() << "Process: " << startError_;
    return;
  }
  std::string name = options.name;
  if (name.empty()) name = std::filesystem::path(argv_[0]).filename().string();
  logPath_ = options.logPath.empty() ? uniqueOutputPath(name, ".log") : options.logPath;
  stdoutPath_ = options.stdoutPath;

  g_autofree gchar* path = argv_[0].find('/') == std::string::npos
                               ? g_find_program_in_path(argv_[0].c_str())
                               : g_strdup(argv_[0].c_str());
  if (!path || !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
    startError_ = "program not found or not executable: " + argv_[0] +
                  " (./tools/dev.sh setup --test installs the test peers)";
    ADD_FAILURE() << "Process: " << startError_;
    return;
  }

  // Everything the child needs, prepared before fork.
  std::vector<char*> argv;
  for (auto& arg : argv_) argv.push_back(arg.data());
  argv.push_back(nullptr);
  gchar** envp = g_get_environ();
  for (const auto& [key, value] : options.env) {
    envp = g_environ_setenv(envp, key.c_str(), value.c_str(), TRUE);
  }
  const int log_fd = open(logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int out_fd = stdoutPath_.empty() ? -1
                                         : open(stdoutPath_.c_str(),
                                                O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int error_pipe[2] = {-1, -1};
  if (log_fd < 0 || (!stdoutPath_.empty() && out_fd < 0) || null_fd < 0 ||
      pipe2(error_pipe, O_CLOEXEC) != 0) {
    startError_ = std::string("cannot open log files or pipe: ") + std::strerror(errno);
  }
  const pid_t parent = getpid();
  pid_t pid = startError_.empty() ? fork() : -1;
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) ::signal(sig, SIG_DFL);
    if (dup2(null_fd, STDIN_FILENO) < 0) childFail(error_pipe[1], errno);
    if (dup2(out_fd >= 0 ? out_fd : log_fd, STDOUT_FILENO) < 0) childFail(error_pipe[1], errno);
    if (dup2(log_fd, STDERR_FILENO) < 0) childFail(error_pipe[1], errno);
    // Descriptors the test program leaked without O_CLOEXEC must not reach the peer.
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = 3; fd < 4096; ++fd) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    execve(path, argv.data(), envp);
    childFail(error_pipe[1], errno);
  }
  if (pid < 0 && startError_.empty()) startError_ = std::string("fork: ") + std::strerror(errno);
  if (pid > 0) {
    setpgid(pid, pid);  // also from the parent, so the group exists before we signal it
    registerPid(pid);
    close(error_pipe[1]);
    error_pipe[1] = -1;
    int child_errno = 0;
    ssize_t n;
    do {
      n = read(error_pipe[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n == sizeof child_errno) {
      startError_ = "exec " + argv_[0] + ": " + std::strerror(child_errno);
      int raw = 0;
      waitpid(pid, &raw, 0);
      unregisterPid(pid);
      pid = -1;
    }
  }
  for (int fd : {log_fd, out_fd, null_fd, error_pipe[0], error_pipe[1]}) {
    if (fd >= 0) close(fd);
  }
  g_strfreev(envp);
  if (pid > 0) {
    pid_ = pid;
  } else {
    ADD_FAILURE() << "Process: cannot start " << commandLine() << ": " << startError_;
  }
}

void Process::reapNow(int raw_status) {
  ExitStatus status;
  if (WIFEXITED(raw_status)) status.code = WEXITSTATUS(raw_status);
  if (WIFSIGNALED(raw_status)) status.signal = WTERMSIG(raw_status);
  status_ = status;
  unregisterPid(pid_);
}

bool Process::running() {
  if (pid_ <= 0 || status_) return false;
  // Peek without reaping, so the pid (and its group id) stays reserved while we kill whatever
  // else is left in the group; then reap.
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    status_ = ExitStatus{};  // ECHILD: someone else reaped it; nothing more to learn
    unregisterPid(pid_);
    return false;
  }
  if (info.si_pid == 0) return true;
  kill(-pid_, SIGKILL);  // stragglers of the group, if any
  int raw = 0;
  if (waitpid(pid_, &raw, 0) == pid_) {
    reapNow(raw);
  } else {
    status_ = ExitStatus{};
    unregisterPid(pid_);
  }
  return false;
}

std::optional<ExitStatus> Process::exitStatus() {
  running();
  return status_;
}

std::optional<ExitStatus> Process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    g_usleep(10 * 1000);
  }
  return status_;
}

ExitStatus Process::stop(std::chrono::milliseconds grace) {
  if (running()) {
    kill(-pid_, SIGTERM);
    kill(-pid_, SIGCONT);  // a stopped process only acts on SIGTERM once continued
    if (!wait(grace)) return kill9();
  }
  return status_.value_or(ExitStatus{});
}

ExitStatus Process::kill9() {
  if (running()) {
    kill(-pid_, SIGKILL);
    int raw = 0;
    pid_t r;
    do {
      r = waitpid(pid_, &raw, 0);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) {
      reapNow(raw);
    } else {
      status_ = ExitStatus{};
      unregisterPid(pid_);
    }
  }
  return status_.value_or(ExitStatus{});
}

void Process::release() noexcept {
  if (pid_ > 0 && !status_) kill9();
  pid_ = -1;
}

bool Process::signal(int sig) { return running() && kill(-pid_, sig) == 0; }
bool Process::pause() { return signal(SIGSTOP); }
bool Process::resume() { return signal(SIGCONT); }

namespace {

// State letters ("R", "S", "T", "D", "Z"…) of every process whose process group is `pgid`.
std::vector<char> groupStates(pid_t pgid) {
  std::vector<char> states;
  GDir* proc = g_dir_open("/proc", 0, nullptr);
  if (!proc) return states;
  while (const char* entry = g_dir_read_name(proc)) {
    if (!g_ascii_isdigit(entry[0])) continue;
    g_autofree gchar* path = g_build_filename("/proc", entry, "stat", nullptr);
    g_autofree gchar* contents = nullptr;
    if (!g_file_get_contents(path, &contents, nullptr, nullptr)) continue;
    const char* close_paren = std::strrchr(contents, ')');  // the name may contain spaces
    char state = 0;
    int ppid = 0;
    int pgrp = 0;
    if (close_paren && std::sscanf(close_paren + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 &&
        pgrp == pgid) {
      states.push_back(state);
    }
  }
  g_dir_close(proc);
  return states;
}

}  // namespace

bool Process::paused() const {
  if (pid_ <= 0 || status_) return false;
  // Frozen: some member stopped (T), none running or sleeping. A shell whose vfork()ed child was
  // stopped before it could exec waits in D until the child resumes, so D counts as frozen too.
  const std::vector<char> states = groupStates(pid_);
  const auto stopped = [](char c) { return c == 'T' || c == 't'; };
  return std::any_of(states.begin(), states.end(), stopped) &&
         std::all_of(states.begin(), states.end(),
                     [&](char c) { return stopped(c) || c == 'D' || c == 'Z'; });
}

std::string Process::log() const { return readFrom(logPath_, 0); }

std::size_t Process::logMark() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(logPath_, ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

std::optional<LineMatch> Process::waitForLine(const std::string& regex,
                                              std::chrono::milliseconds timeout,
                                              std::size_t since) {
  const std::regex re(regex);
  std::size_t offset = since;
  std::string partial;
  std::optional<LineMatch> found;
  bool ended = false;
  auto scan = [&] {
    const bool was_running = running();  // check first: output written before exit is on disk
    const std::string data = readFrom(logPath_, offset);
    offset += data.size();
    std::string rest;
    for (const auto& line : splitLines(partial + data, &rest)) {
      if ((found = matchLine(line, re))) return true;
    }
    partial = rest;
    if (!was_running) {
      if (!partial.empty() && (found = matchLine(partial, re))) return true;
      ended = true;
    }
    return ended;
  };
  runUntil(scan, timeout);
  return found;
}

int Process::countLines(const std::string& regex, std::size_t since) const {
  const std::regex re(regex);
  std::string rest;
  const std::string data = readFrom(logPath_, since);
  int count = 0;
  for (const auto& line : splitLines(data, &rest)) {
    if (std::regex_search(line, re)) ++count;
  }
  if (!rest.empty() && std::regex_search(rest, re)) ++count;
  return count;
}

void killAllProcesses() noexcept {
  std::lock_guard lock(registryMutex());
  for (pid_t pid : registry()) kill(-pid, SIGKILL);
}

bool pidExists(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace mls::test

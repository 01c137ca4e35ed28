// Main-loop fixture, watchdog and per-test output directories (see fixture.h).
#include "fixture.h"

#include <glib.h>

#include <cstdio>
#include <cstdlib>

#include "process.h"

namespace mls::test {

namespace {

gboolean keepTicking(gpointer) noexcept { return G_SOURCE_CONTINUE; }

// A 20 ms tick on `context` for as long as it lives, so a blocking iteration wakes up often
// enough to re-check a predicate that depends on things outside the main loop (files, peers).
class Tick {
 public:
  explicit Tick(GMainContext* context) : source_(g_timeout_source_new(20)) {
    g_source_set_callback(source_, keepTicking, nullptr, nullptr);
    g_source_attach(source_, context);
  }
  ~Tick() {
    g_source_destroy(source_);
    g_source_unref(source_);
  }
  Tick(const Tick&) = delete;
  Tick& operator=(const Tick&) = delete;

 private:
  GSource* source_;
};

}  // namespace

bool runUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  GMainContext* context = g_main_context_ref_thread_default();
  Tick tick(context);
  bool satisfied = false;
  while (true) {
    if (predicate()) {
      satisfied = true;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    g_main_context_iteration(context, TRUE);
  }
  g_main_context_unref(context);
  return satisfied;
}

void runFor(std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  runUntil([&] { return std::chrono::steady_clock::now() >= deadline; }, duration + 1s);
}

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = g_getenv(name);
  return (value && *value) ? std::string(value) : fallback;
}

std::string currentTestName() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (!info) return "no-test";
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

namespace {

std::string g_output_dir_test;            // the test whose directory was last created
std::filesystem::path g_output_dir_path;  // and that directory

std::filesystem::path createOutputDir(const std::string& name) {
  const std::filesystem::path root = envOr(
      "MLS_BUILD_ROOT", (std::filesystem::path(g_get_tmp_dir()) / "mls-test-output").string());
  const std::filesystem::path dir = root / "test-output" / name;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) ADD_FAILURE() << "cannot create test output dir " << dir << ": " << ec.message();
  g_output_dir_test = name;
  g_output_dir_path = dir;
  return dir;
}

}  // namespace

std::filesystem::path testOutputDir() {
  const std::string name = currentTestName();
  if (name == g_output_dir_test && !g_output_dir_path.empty()) return g_output_dir_path;
  return createOutputDir(name);
}

std::filesystem::path freshTestOutputDir() { return createOutputDir(currentTestName()); }

std::filesystem::path uniqueOutputPath(const std::string& stem, const std::string& ext) {
  const std::filesystem::path dir = testOutputDir();
  std::filesystem::path path = dir / (stem + ext);
  for (int n = 2; std::filesystem::exists(path); ++n) {
    path = dir / (stem + "-" + std::to_string(n) + ext);
  }
  return path;
}

Watchdog::Watchdog(std::chrono::milliseconds timeout, std::string what) : what_(std::move(what)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  thread_ = std::thread([this, deadline] { watch(deadline); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    disarmed_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Watchdog::watch(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (cv_.wait_until(lock, deadline, [this] { return disarmed_; })) return;
  std::fprintf(stderr,
               "\nwatchdog: %s is hung (no end before its deadline); killing its child processes "
               "and aborting\n",
               what_.c_str());
  std::fflush(stderr);
  killAllProcesses();
  std::abort();
}

void LoopTest::SetUp() {
  outputDir_ = freshTestOutputDir();
  watchdog_ = std::make_unique<Watchdog>(watchdogTimeout());
}

void LoopTest::TearDown() { watchdog_.reset(); }

}  // namespace mls::test

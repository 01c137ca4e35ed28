// mlsd: the mls live media server. Parses options, initializes GStreamer, runs the Server.
#include <gst/gst.h>
#include <malloc.h>

#include <csignal>
#include <cstdio>

#include "app/config.h"
#include "app/server.h"
#include "core/log.h"
#include "media/supervisor.h"

int main(int argc, char** argv) {
  // Two malloc arenas, not glibc's default of 8 per core: every streaming thread would otherwise
  // get an arena of its own, and what a deleted pipeline freed stays resident, fragmented, in
  // arenas no thread uses any more. Measured with tests/integration/churn_test.cpp (200 cycles
  // of input + 2 outputs + recording + RTSP client): RSS +11.0 MiB with the default, +6.2 MiB
  // with 2, for the same heap in use (+1.8 MiB). MALLOC_ARENA_MAX in the environment wins.
  if (!g_getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);
  mls::log::installWriter();  // journald when stderr is the journal, one line on stderr otherwise
  mls::app::ServerOptions options;
  auto parsed = mls::app::parseOptions(argc, argv, &options);
  if (!parsed) {
    std::fprintf(stderr, "mlsd: %s\n", parsed.error().message.c_str());
    return 2;
  }
  if (*parsed == mls::app::ParseOutcome::ExitSuccess) return 0;
  mls::log::setLevel(options.log_level);
  // A peer that closes a pipe early (graphviz rendering a pipeline graph) must give mlsd an
  // EPIPE error to handle, not kill it with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  gst_init(nullptr, nullptr);
  mls::media::init();
  int code;
  {
    mls::app::Server server(std::move(options));
    code = server.run();
  }
  gst_deinit();
  return code;
}

// mlsd: the mls live media server. Parses options, initializes GStreamer, runs the Server.
#include <gst/gst.h>

#include <csignal>
#include <cstdio>

#include "app/config.h"
#include "app/server.h"
#include "core/allocator.h"
#include "core/log.h"
#include "media/supervisor.h"

int main(int argc, char** argv) {
  mls::core::configureAllocator(argv);  // may re-exec; before any thread (core/allocator.h)
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

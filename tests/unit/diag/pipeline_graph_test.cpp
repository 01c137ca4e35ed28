// Pipeline graphs: DOT text of a (never started) pipeline, and SVG rendering through a
// subprocess — by graphviz itself, and by stand-ins that fail, hang (killed at the deadline) or
// are cancelled, each answering once with a clear error. The main context is iterated while
// waiting; nothing blocks it.
#include "diag/pipeline_graph.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <optional>
#include <string>

namespace mls::diag {
namespace {

bool runUntil(const std::function<bool()>& done, int timeout_ms) {
  const gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (!done()) {
    if (g_get_monotonic_time() > deadline) return false;
    if (!g_main_context_iteration(nullptr, FALSE)) g_usleep(1000);
  }
  return true;
}

class PipelineGraph : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gst_init(nullptr, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // as mlsd does: a stand-in may exit before reading its input
  }
  void TearDown() override {
    if (!script_.empty()) g_unlink(script_.c_str());
    if (!dir_.empty()) g_rmdir(dir_.c_str());
  }
  // An executable shell script standing in for graphviz.
  std::string fakeGraphviz(const std::string& body) {
    g_autofree gchar* dir = g_dir_make_tmp("mls-graphviz-XXXXXX", nullptr);
    dir_ = dir;
    script_ = dir_ + "/dot";
    const std::string text = "#!/bin/sh\n" + body + "\n";
    EXPECT_TRUE(g_file_set_contents(script_.c_str(), text.c_str(), -1, nullptr));
    g_chmod(script_.c_str(), 0755);
    return script_;
  }
  // Renders and waits (at most 10 s) for the one answer.
  std::optional<Result<std::string>> render(const std::string& dot, const std::string& program,
                                            int timeout_ms, GCancellable* cancellable = nullptr,
                                            int cancel_after_ms = -1) {
    std::optional<Result<std::string>> answer;
    int answers = 0;
    renderSvg(dot, program, cancellable, timeout_ms, [&](Result<std::string> result) {
      answer = std::move(result);
      answers++;
    });
    if (cancel_after_ms >= 0) {
      g_timeout_add(
          cancel_after_ms,
          [](gpointer c) noexcept -> gboolean {
            g_cancellable_cancel(G_CANCELLABLE(c));
            return G_SOURCE_REMOVE;
          },
          cancellable);
    }
    if (!runUntil([&] { return answer.has_value(); }, 10000)) return std::nullopt;
    // Let the subprocess's own completion come in too: still one answer.
    runUntil([] { return false; }, 300);
    EXPECT_EQ(answers, 1);
    return answer;
  }

  std::string dir_, script_;
};

TEST_F(PipelineGraph, DotOfAPipeline) {
  GstElement* pipeline =
      gst_parse_launch("fakesrc name=source ! identity name=middle ! fakesink name=sink", nullptr);
  ASSERT_TRUE(pipeline);
  const std::string dot = pipelineDot(pipeline);
  gst_object_unref(pipeline);
  EXPECT_EQ(dot.rfind("digraph pipeline {", 0), 0u) << dot;
  for (const char* name : {"GstFakeSrc", "GstIdentity", "GstFakeSink", "middle"})
    EXPECT_NE(dot.find(name), std::string::npos) << name;
}

TEST_F(PipelineGraph, SvgByGraphviz) {
  const std::string dot_program = findGraphviz("dot");
  if (dot_program.empty()) GTEST_SKIP() << "graphviz (dot) is not installed";
  auto svg = render("digraph g { source -> sink; }", dot_program, 10000);
  ASSERT_TRUE(svg);
  ASSERT_TRUE(*svg) << svg->error().message;
  EXPECT_NE(svg->value().find("<svg"), std::string::npos);
  EXPECT_NE(svg->value().find(">source</text>"), std::string::npos);
}

TEST_F(PipelineGraph, GraphvizMissing) {
  EXPECT_EQ(findGraphviz("mls-no-such-graphviz"), "");
  auto svg = render("digraph g {}", "/nonexistent/dot", 10000);
  ASSERT_TRUE(svg);
  ASSERT_FALSE(*svg);
  EXPECT_EQ(svg->error().code, ErrorCode::Internal);
  EXPECT_NE(svg->error().message.find("graphviz could not be started"), std::string::npos);
}

TEST_F(PipelineGraph, GraphvizFailingSaysWhy) {
  auto svg =
      render("digraph g {}",
             fakeGraphviz("cat >/dev/null; echo 'syntax error in line 1' >&2; exit 1"), 10000);
  ASSERT_TRUE(svg);
  ASSERT_FALSE(*svg);
  EXPECT_EQ(svg->error().message, "graphviz failed to render the graph: syntax error in line 1");
}

TEST_F(PipelineGraph, GraphvizHangingIsKilledAtTheDeadline) {
  const gint64 start = g_get_monotonic_time();
  auto svg = render("digraph g {}", fakeGraphviz("exec sleep 30"), 300);
  ASSERT_TRUE(svg);
  ASSERT_FALSE(*svg);
  EXPECT_EQ(svg->error().message, "graphviz did not render the graph within 0.3 s");
  EXPECT_LT(g_get_monotonic_time() - start, 5 * G_USEC_PER_SEC);
}

TEST_F(PipelineGraph, CancelledWhenTheServerStops) {
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  auto svg = render("digraph g {}", fakeGraphviz("exec sleep 30"), 10000, cancellable, 100);
  ASSERT_TRUE(svg);
  ASSERT_FALSE(*svg);
  EXPECT_EQ(svg->error().code, ErrorCode::Unavailable);
}

}  // namespace
}  // namespace mls::diag

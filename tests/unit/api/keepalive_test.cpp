// HTTP keep-alive on the API server, over real sockets on 127.0.0.1 (port 0): one connection
// serves many requests and stays open while idle; connections their clients close between
// requests give their fd back within a second or two and are freed (libsoup 3.2 kept each one
// open forever: connection_reaper.h), whether the client closes or resets; a 413 still closes its
// connection; and the listening socket queues 100 simultaneous connects (its backlog is not
// GSocket's 10).
//
// The clients are raw blocking sockets on a worker thread (each response read by its
// Content-Length) while the test thread runs the server's main context.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/api_server.h"
#include "api_test_util.h"
#include "fake_backend.h"

namespace mls::api::test {
namespace {

int openFds() {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

// Counts libsoup's SoupServerConnections alive (a private type in 3.2), through a weak reference
// taken when each starts its first request. Only meaningful once a server listens (the type is
// registered then); main thread.
class ConnectionCensus {
 public:
  ConnectionCensus() {
    const GType type = g_type_from_name("SoupServerConnection");
    if (!type) return;
    class_ = g_type_class_ref(type);
    signal_ = g_signal_lookup("request-started", type);
    if (signal_) hook_ = g_signal_add_emission_hook(signal_, 0, onStarted, this, nullptr);
  }
  ~ConnectionCensus() {
    if (hook_) g_signal_remove_emission_hook(signal_, hook_);
    for (GObject* conn : alive_) g_object_weak_unref(conn, onFinalized, this);
    if (class_) g_type_class_unref(class_);
  }
  ConnectionCensus(const ConnectionCensus&) = delete;
  ConnectionCensus& operator=(const ConnectionCensus&) = delete;

  bool works() const { return hook_ != 0; }
  size_t alive() const { return alive_.size(); }

 private:
  static gboolean onStarted(GSignalInvocationHint*, guint n, const GValue* params,
                            gpointer self) noexcept {
    auto* census = static_cast<ConnectionCensus*>(self);
    auto* conn = n > 0 ? static_cast<GObject*>(g_value_get_object(&params[0])) : nullptr;
    if (conn && census->alive_.insert(conn).second) g_object_weak_ref(conn, onFinalized, census);
    return TRUE;
  }
  static void onFinalized(gpointer self, GObject* gone) noexcept {
    static_cast<ConnectionCensus*>(self)->alive_.erase(gone);
  }

  gpointer class_ = nullptr;
  guint signal_ = 0;
  gulong hook_ = 0;
  std::set<GObject*> alive_;
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One client connection: blocking, 5 s receive timeout. Used by one thread at a time.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Sends `request` and reads one response; false on EOF, error or timeout.
  bool exchange(const std::string& request, RawResponse* response) {
    if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      return false;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!readMore()) return false;
    *response = RawResponse{};
    const std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    if (head.size() < 12 || head.rfind("HTTP/1.1 ", 0) != 0) return false;
    response->status = std::atoi(head.c_str() + 9);
    size_t line = head.find("\r\n");
    while (line != std::string::npos) {
      const size_t next = head.find("\r\n", line + 2);
      const std::string field =
          head.substr(line + 2, next == std::string::npos ? next : next - line - 2);
      const size_t colon = field.find(':');
      if (colon != std::string::npos) {
        g_autofree gchar* name = g_ascii_strdown(field.substr(0, colon).c_str(), -1);
        response->headers[name] = field.substr(field.find_first_not_of(' ', colon + 1));
      }
      line = next;
    }
    const size_t length =
        std::stoul(response->headers.count("content-length") ? response->headers["content-length"]
                                                             : std::string("0"));
    while (buffer_.size() < length)
      if (!readMore()) return false;
    response->body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return true;
  }

  // Whether the server closes the connection (EOF) within the receive timeout.
  bool serverCloses() {
    char byte;
    return recv(fd_, &byte, 1, 0) == 0;
  }

  // A reset instead of a FIN (SO_LINGER 0).
  void reset() {
    linger option{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    close();
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool readMore() {
    char chunk[16384];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

std::string get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

class KeepAlive : public ::testing::Test {
 protected:
  void start(ApiOptions options = {}) {
    server_ = std::make_unique<ApiServer>(backend_, options);
    ASSERT_TRUE(server_->listen("127.0.0.1", 0));
    ASSERT_TRUE(server_->keepsConnectionsAlive());
  }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
    }
  }

  // Runs `work` on a client thread while this thread serves; false if it did not end in time.
  bool client(const std::function<void()>& work, int timeout_ms = 20000) {
    std::atomic<bool> done{false};
    std::thread thread([&] {
      work();
      done = true;
    });
    const bool ended = runUntil([&] { return done.load(); }, timeout_ms);
    thread.join();
    return ended;
  }

  // Lets the server settle (what it has to read, close or free) until the fd count is `fds`.
  bool settlesAt(int fds, int timeout_ms = 2000) {
    return runUntil([&] { return openFds() == fds; }, timeout_ms);
  }

  uint64_t reaped() const { return server_->reaper() ? server_->reaper()->reaped() : 0; }

  FakeBackend backend_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(KeepAlive, OneConnectionServesManyRequestsAndStaysOpenWhileIdle) {
  start();
  const int port = server_->port();
  auto connection = std::make_unique<RawConnection>(port);
  ASSERT_TRUE(connection->connected());
  std::vector<RawResponse> responses;
  ASSERT_TRUE(client([&] {
    const std::string create =
        "POST /api/v1/inputs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 31\r\n\r\n{\"name\":\"cam1\",\"url\":\"test://\"}";
    RawResponse r;
    if (connection->exchange(create, &r)) responses.push_back(r);
    for (int i = 0; i < 10; ++i)
      if (connection->exchange(get("/api/v1/inputs"), &r)) responses.push_back(r);
  }));
  ASSERT_EQ(responses.size(), 11u);
  EXPECT_EQ(responses[0].status, 201) << responses[0].body;
  for (const RawResponse& r : responses) {
    EXPECT_EQ(r.headers.count("connection"), 0u) << "Connection: " << r.headers.at("connection");
    if (r.status == 200) {
      EXPECT_EQ(Json(r.body).str("inputs.0.name"), "cam1") << r.body;
    }
  }
  if (server_->reaper()) {
    EXPECT_EQ(server_->reaper()->connections(), 1u);
    EXPECT_EQ(server_->reaper()->idle(), 1u);
  }

  // Idle for a while: still open, and it serves the next request.
  runUntil([] { return false; }, 300);
  RawResponse later;
  ASSERT_TRUE(client([&] { connection->exchange(get("/api/v1/inputs"), &later); }));
  EXPECT_EQ(later.status, 200);
  EXPECT_EQ(reaped(), 0u);
}

TEST_F(KeepAlive, ConnectionsTheClientClosesGiveTheirFdsBack) {
  start();
  const int port = server_->port();
  // Warm-up: whatever the first request allocates for good is in the baseline.
  ASSERT_TRUE(client([&] {
    RawConnection c(port);
    RawResponse r;
    c.exchange(get("/api/v1/inputs"), &r);
  }));
  // The reaper finds a closed idle connection within its sweep period.
  if (server_->reaper()) {
    EXPECT_TRUE(runUntil([&] { return reaped() == 1; }, 2000)) << reaped() << " reaped";
  }
  runUntil([] { return false; }, 200);
  const int baseline = openFds();
  ConnectionCensus census;
  ASSERT_TRUE(census.works());

  // 200 keep-alive requests over 4 connections, which the client then closes while idle.
  constexpr int kConnections = 4;
  constexpr int kRequestsEach = 50;
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int c = 0; c < kConnections; ++c) {
    connections.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(connections.back()->connected());
  }
  std::atomic<int> ok{0};
  std::atomic<int> kept_alive{0};
  ASSERT_TRUE(client([&] {
    for (int i = 0; i < kRequestsEach; ++i)
      for (auto& c : connections) {
        RawResponse r;
        if (c->exchange(get("/api/v1/inputs"), &r) && r.status == 200) ++ok;
        if (r.status && !r.headers.count("connection")) ++kept_alive;
      }
  }));
  if (server_->reaper()) {
    EXPECT_EQ(server_->reaper()->connections(), 4u);
    EXPECT_EQ(server_->reaper()->idle(), 4u);
  }
  EXPECT_EQ(census.alive(), 4u);
  connections.clear();  // closed by the client, while idle
  EXPECT_EQ(ok.load(), kConnections * kRequestsEach);
  EXPECT_EQ(kept_alive.load(), kConnections * kRequestsEach);
  EXPECT_TRUE(settlesAt(baseline)) << openFds() << " fds open, " << baseline << " before";
  if (server_->reaper()) {
    EXPECT_EQ(reaped(), 1u + kConnections);
    EXPECT_EQ(server_->reaper()->connections(), 0u);
  }
  // Not only the fds: libsoup has let go of the connections themselves.
  EXPECT_TRUE(runUntil([&] { return census.alive() == 0; }, 1000)) << census.alive() << " alive";

  // A reset (no FIN) while idle: the same.
  ASSERT_TRUE(client([&] {
    RawConnection c(port);
    RawResponse r;
    c.exchange(get("/api/v1/inputs"), &r);
    c.reset();
  }));
  EXPECT_TRUE(settlesAt(baseline)) << openFds() << " fds open, " << baseline << " before";

  // And the server still answers.
  RawResponse r;
  ASSERT_TRUE(client([&] {
    RawConnection c(port);
    c.exchange(get("/api/v1/inputs"), &r);
  }));
  EXPECT_EQ(r.status, 200);
}

TEST_F(KeepAlive, RequestTooLargeClosesItsConnection) {
  ApiOptions options;
  options.max_body_bytes = 16;
  start(options);
  const int port = server_->port();
  RawResponse r;
  bool closed = false;
  ASSERT_TRUE(client([&] {
    RawConnection c(port);
    const std::string body(100, 'x');
    c.exchange(
        "POST /api/v1/inputs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/json\r\nContent-Length: 100\r\n\r\n" +
            body,
        &r);
    closed = c.serverCloses();
  }));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(closed);
}

TEST_F(KeepAlive, HundredSimultaneousConnectsAreQueued) {
  start();
  const int baseline = openFds();
  // The server does not accept while this thread does not run its context: every connect that
  // completes sits in the listen queue. GSocket's default backlog (10) would queue 11.
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<pollfd> fds;
  for (int i = 0; i < 100; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    fds.push_back(pollfd{fd, POLLOUT, 0});
  }
  int connected = 0;
  const gint64 deadline = g_get_monotonic_time() + 500 * 1000;
  while (connected < 100 && g_get_monotonic_time() < deadline) {
    poll(fds.data(), fds.size(), 50);
    connected = 0;
    for (pollfd& p : fds) {
      int error = 0;
      socklen_t size = sizeof error;
      if ((p.revents & POLLOUT) && getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 &&
          error == 0)
        ++connected;
    }
  }
  EXPECT_EQ(connected, 100);
  for (pollfd& p : fds) close(p.fd);
  // Each was accepted and, closed before its first request, disconnected by libsoup itself.
  EXPECT_TRUE(settlesAt(baseline)) << openFds() << " fds open, " << baseline << " before";
}

}  // namespace
}  // namespace mls::api::test

// Streaming file bodies. See file_sender.h.
#include "api/file_sender.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "core/gobj.h"
#include "core/log.h"

namespace mls::api {

FileBody::~FileBody() {
  if (fd >= 0) close(fd);
}

struct FileSender::Download {
  GObjectPtr<SoupServerMessage> msg;
  std::shared_ptr<FileBody> file;
  uint64_t next_offset = 0;  // of the next read
  uint64_t remaining = 0;    // bytes not read yet
  uint64_t queued = 0;       // appended but not written yet
  bool reading = false;
  gulong finished_handler = 0;
  gulong wrote_handler = 0;
};

namespace {

struct Ref {
  std::weak_ptr<FileSender*> sender;
  uint64_t id;
};

// One pread() on the pool: the job's input and its result.
struct ReadJob {
  std::shared_ptr<FileBody> file;  // keeps the fd open while the read runs
  uint64_t offset = 0;
  size_t length = 0;
  GBytes* bytes = nullptr;  // the result (owned), nullptr on error
  int error = 0;
  ~ReadJob() {
    if (bytes) g_bytes_unref(bytes);
  }
};

}  // namespace

void FileSender::start(SoupServerMessage* msg, std::shared_ptr<FileBody> file) {
  const uint64_t id = next_id_++;
  auto download = std::make_shared<Download>();
  download->msg = retain(msg);
  download->next_offset = file->offset;
  download->remaining = file->length;
  download->file = std::move(file);
  soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
  auto free_ref = [](gpointer data, GClosure*) noexcept { delete static_cast<Ref*>(data); };
  download->finished_handler = g_signal_connect_data(
      msg, "finished", G_CALLBACK(onFinished), new Ref{anchor_, id}, free_ref, GConnectFlags(0));
  download->wrote_handler =
      g_signal_connect_data(msg, "wrote-body-data", G_CALLBACK(onWroteBodyData),
                            new Ref{anchor_, id}, free_ref, GConnectFlags(0));
  downloads_.emplace(id, std::move(download));
  readNext(id);
}

void FileSender::stop() {
  while (!downloads_.empty()) drop(downloads_.begin()->first);
}

void FileSender::drop(uint64_t id) {
  auto it = downloads_.find(id);
  if (it == downloads_.end()) return;
  Download& download = *it->second;
  g_signal_handler_disconnect(download.msg.get(), download.finished_handler);
  g_signal_handler_disconnect(download.msg.get(), download.wrote_handler);
  downloads_.erase(it);
}

void FileSender::readNext(uint64_t id) {
  auto it = downloads_.find(id);
  if (it == downloads_.end()) return;
  Download& download = *it->second;
  if (download.reading || download.remaining == 0 || download.queued >= kMaxQueued) return;
  auto* job = new ReadJob;
  job->file = download.file;
  job->offset = download.next_offset;
  job->length = static_cast<size_t>(std::min<uint64_t>(kChunk, download.remaining));
  download.reading = true;
  GTask* task = g_task_new(nullptr, nullptr, onRead, new Ref{anchor_, id});
  g_task_set_task_data(task, job, [](gpointer data) noexcept {
    delete static_cast<ReadJob*>(data);
  });
  g_task_run_in_thread(task, runRead);
  g_object_unref(task);
}

void FileSender::runRead(GTask* task, gpointer, gpointer data, GCancellable*) noexcept {
  auto* job = static_cast<ReadJob*>(data);
  auto* buffer = static_cast<char*>(g_malloc(job->length));
  size_t done = 0;
  while (done < job->length) {
    ssize_t n = pread(job->file->fd, buffer + done, job->length - done,
                      static_cast<off_t>(job->offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) job->error = errno;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  job->bytes = g_bytes_new_take(buffer, done);
  g_task_return_boolean(task, TRUE);
}

void FileSender::onRead(GObject*, GAsyncResult* result, gpointer data) noexcept {
  std::unique_ptr<Ref> ref(static_cast<Ref*>(data));
  auto sender = ref->sender.lock();
  if (!sender || !*sender) return;
  FileSender* self = *sender;
  auto it = self->downloads_.find(ref->id);
  if (it == self->downloads_.end()) return;  // the client went away meanwhile
  Download& download = *it->second;
  download.reading = false;
  auto* job = static_cast<ReadJob*>(g_task_get_task_data(G_TASK(result)));
  const size_t got = job->bytes ? g_bytes_get_size(job->bytes) : 0;
  SoupMessageBody* body = soup_server_message_get_response_body(download.msg.get());
  if (got == 0) {
    // The file shrank under us (or a read error): the promised length cannot be sent; close the
    // connection so the client sees a short body rather than waiting forever.
    MLS_WARN("api", "download: the file ended %llu bytes early (%s)",
             static_cast<unsigned long long>(download.remaining),
             job->error ? g_strerror(job->error) : "truncated");
    GSocket* socket = soup_server_message_get_socket(download.msg.get());
    if (socket) g_socket_shutdown(socket, TRUE, TRUE, nullptr);
    soup_server_message_unpause(download.msg.get());
    self->drop(ref->id);
    return;
  }
  soup_message_body_append_bytes(body, job->bytes);
  download.queued += got;
  download.next_offset += got;
  download.remaining -= got;
  if (download.remaining == 0) soup_message_body_complete(body);
  soup_server_message_unpause(download.msg.get());
  self->readNext(ref->id);
}

void FileSender::onFinished(SoupServerMessage*, gpointer data) noexcept {
  auto* ref = static_cast<Ref*>(data);
  auto sender = ref->sender.lock();
  if (sender && *sender) (*sender)->drop(ref->id);  // frees `ref`: do not touch it after
}

void FileSender::onWroteBodyData(SoupServerMessage*, guint size, gpointer data) noexcept {
  auto* ref = static_cast<Ref*>(data);
  auto sender = ref->sender.lock();
  if (!sender || !*sender) return;
  FileSender* self = *sender;
  auto it = self->downloads_.find(ref->id);
  if (it == self->downloads_.end()) return;
  Download& download = *it->second;
  download.queued = download.queued > size ? download.queued - size : 0;
  self->readNext(ref->id);
}

}  // namespace mls::api

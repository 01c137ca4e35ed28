// Go-MLS compatibility: POST /api/recording/start and /api/recording/stop with Go-MLS's request
// shape {"name","source"} (GO-MLS.md §1 rows 11-12, §4). In mls a recording belongs to an input:
// `name` is the input's name and `source` its URL. Start on an unknown name creates that input
// (as Go-MLS started an input relay for it) with recording on; on a known one, `source` must be
// its URL (masked or not) and recording is switched on. Stop switches it off; the last segment
// is finalized as the supervisor applies the change. Answers keep Go-MLS's texts, with honest
// status codes (400/404/409) instead of its 500s. Pure handlers; main thread.
#include "api/compat_request.h"
#include "api/errors.h"
#include "api/handlers.h"
#include "api/masked_urls.h"
#include "model/url.h"
#include "model/validate.h"

namespace mls::api {

namespace {

struct RecordingRequest {
  std::string name;
  std::string source;
};

Result<RecordingRequest> readRecordingRequest(const Request& request) {
  static const char* const allowed[] = {"name", "source", nullptr};
  GoBody body;
  if (auto ok = readGoBody(request, allowed, &body); !ok) return fail(ok.error());
  auto name = goField(body, "name");
  if (!name) return fail(name.error());
  auto source = goField(body, "source");
  if (!source) return fail(source.error());
  if (name->empty() || source->empty())
    return fail(ErrorCode::BadRequest, "Name and source required");
  if (*name == "undefined" || *source == "undefined")
    return fail(ErrorCode::BadRequest, "Invalid name or source: cannot be 'undefined'");
  return RecordingRequest{*name, *source};
}

}  // namespace

Response recording_start(const Request& request, Backend& backend, const ApiOptions&) {
  auto wanted = readRecordingRequest(request);
  if (!wanted) return compatError(wanted.error());
  const model::InputSpec* input = backend.config().findInput(wanted->name);
  Result<void> applied;
  if (!input) {
    model::InputSpec created;
    created.name = wanted->name;
    created.url = wanted->source;
    created.record = true;
    model::Config next = backend.config();
    next.inputs.push_back(created);
    if (auto ok = model::validateConfig(next, backend.validation()); !ok)
      return compatError(ok.error());
    applied = backend.createInput(std::move(created));
  } else {
    if (!sameUrlOrMasked(wanted->source, input->url))
      return compatError(Error{ErrorCode::Conflict,
                               "source does not match the URL of input " + wanted->name,
                               "source"});
    if (input->record)
      return compatError(Error{ErrorCode::Conflict,
                               "active recording for name " + wanted->name + " and source " +
                                   model::maskUrl(input->url) + " already exists",
                               {}});
    model::InputSpec changed = *input;
    changed.record = true;
    applied = backend.updateInput(std::move(changed));
  }
  if (!applied) return compatError(applied.error());
  return statusResponse("recording started");
}

Response recording_stop(const Request& request, Backend& backend, const ApiOptions&) {
  auto wanted = readRecordingRequest(request);
  if (!wanted) return compatError(wanted.error());
  const model::InputSpec* input = backend.config().findInput(wanted->name);
  if (!input || !sameUrlOrMasked(wanted->source, input->url))
    return compatError(Error{ErrorCode::NotFound,
                             "no active recording with name " + wanted->name + " and source " +
                                 model::maskUrl(wanted->source),
                             {}});
  if (input->record) {
    model::InputSpec changed = *input;
    changed.record = false;
    if (auto ok = backend.updateInput(std::move(changed)); !ok) return compatError(ok.error());
  }
  return statusResponse("recording stopped");
}

}  // namespace mls::api

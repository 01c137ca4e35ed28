// Names of error codes as the API sends them. See result.h.
#include "core/result.h"

namespace mls {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::BadRequest: return "bad_request";
    case ErrorCode::Unauthorized: return "unauthorized";
    case ErrorCode::Forbidden: return "forbidden";
    case ErrorCode::NotFound: return "not_found";
    case ErrorCode::MethodNotAllowed: return "method_not_allowed";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::TooLarge: return "too_large";
    case ErrorCode::UnsupportedMediaType: return "unsupported_media_type";
    case ErrorCode::Invalid: return "invalid";
    case ErrorCode::Unavailable: return "unavailable";
    case ErrorCode::Internal: return "internal";
  }
  return "internal";
}

}  // namespace mls

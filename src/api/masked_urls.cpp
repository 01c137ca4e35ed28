// Masked URLs in requests. See masked_urls.h.
#include "api/masked_urls.h"

#include "model/url.h"

namespace mls::api {

namespace {
constexpr std::string_view kBullet = "\xE2\x80\xA2";  // U+2022, what maskUrl() writes
}

bool hasMaskMarker(std::string_view url) { return url.find(kBullet) != std::string_view::npos; }

bool sameUrlOrMasked(const std::string& given, const std::string& current) {
  return given == current || given == model::maskUrl(current);
}

void restoreMaskedUrls(model::Config& next, const model::Config& current) {
  for (model::InputSpec& input : next.inputs) {
    const model::InputSpec* old = current.findInput(input.name);
    if (!old) continue;
    if (sameUrlOrMasked(input.url, old->url)) input.url = old->url;
    for (model::OutputSpec& output : input.outputs) {
      const model::OutputSpec* old_output = old->findOutput(output.name);
      if (old_output && sameUrlOrMasked(output.url, old_output->url)) output.url = old_output->url;
    }
  }
}

Result<void> refuseMaskedUrl(const std::string& url, const std::string& field) {
  if (!hasMaskMarker(url)) return {};
  return fail(ErrorCode::Invalid,
              "the URL contains a masked secret; send the full URL (a masked URL is only "
              "accepted where it stands for the URL already stored under the same name)",
              field);
}

Result<void> refuseMaskedUrls(const model::InputSpec& input) {
  if (auto ok = refuseMaskedUrl(input.url, "url"); !ok) return ok;
  for (const model::OutputSpec& output : input.outputs)
    if (auto ok = refuseMaskedUrl(output.url, "outputs[" + output.name + "].url"); !ok) return ok;
  return {};
}

Result<void> refuseMaskedUrls(const model::Config& config) {
  for (const model::InputSpec& input : config.inputs) {
    if (auto ok = refuseMaskedUrl(input.url, "inputs[" + input.name + "].url"); !ok) return ok;
    for (const model::OutputSpec& output : input.outputs)
      if (auto ok = refuseMaskedUrl(output.url,
                                    "inputs[" + input.name + "].outputs[" + output.name + "].url");
          !ok)
        return ok;
  }
  return {};
}

}  // namespace mls::api

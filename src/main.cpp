// mlsd entry point (skeleton until src/app lands).
#include <cstdio>

#include "mls_config.h"

int main() {
  std::printf("mlsd %s\n", MLS_VERSION);
  return 0;
}

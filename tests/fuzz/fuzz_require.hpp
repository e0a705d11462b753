#pragma once
// A broken property in a fuzz target: name it on stderr, then abort so libFuzzer saves the input.
#include <cstdio>
#include <cstdlib>

#define FUZZ_REQUIRE(property)                                                             \
  do {                                                                                     \
    if (!(property)) {                                                                     \
      std::fprintf(stderr, "property failed: %s (%s:%d)\n", #property, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

// jemalloc from Debian's libjemalloc-dev. Linking it replaces malloc and free for the whole process,
// Swift's runtime and librdkafka included; see MemoryAllocator.swift in the executables.
#include <jemalloc/jemalloc.h>

/// jemalloc's version string, read through mallctl; NULL if the call fails.
static inline const char *CJemalloc_version(void) {
    const char *version = NULL;
    size_t length = sizeof(version);
    if (mallctl("version", &version, &length, NULL, 0) != 0) {
        return NULL;
    }
    return version;
}

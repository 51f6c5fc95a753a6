/* What every fuzz target shares: the entry point's name. With libFuzzer a
 * target file defines LLVMFuzzerTestOneInput; built with -DFUZZ_NO_MAIN
 * (run_corpus.c) it defines fuzz_<name>_one instead, so that one plain
 * program can link all three targets and replay their corpora. */
#ifndef LRP_FUZZ_COMMON_H
#define LRP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef FUZZ_NO_MAIN
#define FUZZ_ENTRY(name) fuzz_##name##_one
#else
#define FUZZ_ENTRY(name) LLVMFuzzerTestOneInput
#endif

int fuzz_onnx_one(const uint8_t *data, size_t size);
int fuzz_npy_one(const uint8_t *data, size_t size);
int fuzz_image_one(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

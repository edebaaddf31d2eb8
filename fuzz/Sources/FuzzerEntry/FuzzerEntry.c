// SwiftPM links a Swift executable on ELF platforms with `--defsym main=<Module>_main`, so that tests can
// call an executable's entry point. Under `-parse-as-library` with no `@main`, Swift emits no
// `ConfigFuzzer_main` and the link fails (swiftlang/swift-package-manager#8731). This defines it and hands
// control to libFuzzer's driver, which is what libFuzzer's own `main` does. `LLVMFuzzerTestOneInput` is
// the Swift `@_cdecl` function in ConfigFuzzer.swift.
#include <stddef.h>
#include <stdint.h>

#include "FuzzerEntry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

int ConfigFuzzer_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}

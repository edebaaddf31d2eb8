#ifndef SWITCHBOARD_FUZZER_ENTRY_H
#define SWITCHBOARD_FUZZER_ENTRY_H

// Nothing to call from Swift: this target only supplies `ConfigFuzzer_main` (see FuzzerEntry.c).

#endif

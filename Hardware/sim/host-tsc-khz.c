/*
 * host-tsc-khz: prints the host's TSC frequency in kHz (run-vm.sh passes it to the guest kernel as
 * tsc_early_khz=). Under TCG the guest's TSC is the host's, so the guest need not calibrate it
 * against the emulated PIT, which fails or comes out wrong on a busy host and leaves the guest on a
 * 4 ms jiffies clock. Measures RDTSC against CLOCK_MONOTONIC_RAW over 200 ms.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static int64_t raw_nanos(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_RAW, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int main(void) {
    int64_t t0 = raw_nanos();
    uint64_t c0 = __rdtsc();
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 200000000};
    nanosleep(&pause, NULL);
    int64_t t1 = raw_nanos();
    uint64_t c1 = __rdtsc();
    if (t1 <= t0 || c1 <= c0)
        return 1;
    printf("%llu\n", (unsigned long long)((double)(c1 - c0) / (double)(t1 - t0) * 1e6 + 0.5));
    return 0;
}

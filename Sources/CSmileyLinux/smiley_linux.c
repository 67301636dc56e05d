#include "smiley_linux.h"

#include <sys/timex.h>

int smiley_clock_synchronised(void) {
    struct timex tx = {0};
    int state = adjtimex(&tx);
    if (state < 0) return -1;
    return state == TIME_ERROR ? 0 : 1;
}

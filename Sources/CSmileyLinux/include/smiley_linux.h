#ifndef SMILEY_LINUX_H
#define SMILEY_LINUX_H

/* Linux calls Swift's Glibc module does not expose. Each returns -1 with errno set on failure. */

/* 1 when the kernel's clock is synchronised (adjtimex state is not TIME_ERROR), 0 when not, -1 on error. */
int smiley_clock_synchronised(void);

#endif

/*
 * led-watch: watches one output line of the gpio-sim chip in the hardware-in-the-loop VM and says
 * whether it lit.
 *
 *   led-watch [--timeout-ms MS] [--edge] [--ready FILE] VALUE_FILE
 *
 * VALUE_FILE is the line's sysfs value attribute (DIR/sim_gpioN/value), "0" or "1". gpio-sim gives no
 * notification when an output changes, so the file is read every millisecond with pread() on a
 * descriptor held open: no process is started per reading, which under emulation takes longer than the
 * 250 ms an acknowledgement blink lasts.
 *
 * Prints "1" and exits as soon as the line is seen lit, "0" when MS (default 10000) pass first.
 * --edge counts only a rising edge: the line must be read unlit before it counts as lit, so a blink
 * still on from an earlier press is not taken for this one. Started before a press, it sees the press's
 * blink however late the press is stored. --ready FILE is created after the first reading, so a script
 * can wait for the watch to be in place before it presses.
 *
 * Exit status: 0 with the verdict printed, 1 when the file cannot be read, 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 lit, 0 unlit, -1 unreadable. */
static int read_level(int fd, const char *path) {
    char buf[8];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n < 1) {
        fprintf(stderr, "led-watch: cannot read %s: %s\n", path, n < 0 ? strerror(errno) : "empty");
        return -1;
    }
    if (buf[0] != '0' && buf[0] != '1') {
        fprintf(stderr, "led-watch: %s reads '%c', not 0 or 1\n", path, buf[0]);
        return -1;
    }
    return buf[0] == '1';
}

static void usage(void) {
    fprintf(stderr, "usage: led-watch [--timeout-ms MS] [--edge] [--ready FILE] VALUE_FILE\n");
}

int main(int argc, char **argv) {
    long timeout_ms = 10000;
    int edge = 0;
    const char *ready = NULL;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc) {
            char *end;
            timeout_ms = strtol(argv[++i], &end, 10);
            if (*end != '\0' || timeout_ms <= 0) {
                fprintf(stderr, "led-watch: --timeout-ms wants a positive number of milliseconds, not %s\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--edge") == 0) {
            edge = 1;
        } else if (strcmp(argv[i], "--ready") == 0 && i + 1 < argc) {
            ready = argv[++i];
        } else if (argv[i][0] == '-' || path != NULL) {
            usage();
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (path == NULL) {
        usage();
        return 2;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "led-watch: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    long long deadline = now_ms() + timeout_ms;
    int armed = !edge; /* with --edge, armed once the line has been read unlit */
    int first = 1;
    const struct timespec tick = {0, 1000000};
    for (;;) {
        int level = read_level(fd, path);
        if (level < 0) return 1;
        if (first) {
            first = 0;
            if (ready != NULL) {
                int r = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (r < 0) {
                    fprintf(stderr, "led-watch: cannot create %s: %s\n", ready, strerror(errno));
                    return 1;
                }
                close(r);
            }
        }
        if (level == 0) armed = 1;
        if (level == 1 && armed) {
            puts("1");
            return 0;
        }
        if (now_ms() >= deadline) {
            puts("0");
            return 0;
        }
        nanosleep(&tick, NULL);
    }
}

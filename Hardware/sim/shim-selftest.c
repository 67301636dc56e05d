/*
 * Self-test of Sources/CGPIOD/shim.h against a real kernel GPIO chip (gpio-sim).
 * Runs inside the hardware-in-the-loop VM, driven by shim-selftest.sh, and uses
 * only the smiley_gpio_* API for GPIO access. Builds against libgpiod 1.6 or 2.x.
 *
 * Handshake with the guest script (files in the current directory, which is the
 * results share):
 *   program writes  phase-inputs    -> script pulls GPIO5 down, GPIO6 up, writes phase-pressed
 *   program checks values, writes phase-read-pressed
 *                                   -> script pulls GPIO5 up, GPIO6 down, writes phase-released
 *   program reads all queued events in bulk, checks them
 *   program sets GPIO23=1 (GPIO24 stays 1), writes phase-outputs
 *                                   -> script checks sim_gpio23/value, sim_gpio24/value,
 *                                      writes phase-outputs-checked
 *   program checks EBUSY (same process and a child process), releases, exits.
 * Output: one "ok - ..." / "not ok - ..." line per check, then "RESULT: PASS|FAIL".
 */
#include "shim.h"

#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONSUMER "smiley-selftest"

static int failures;
static int checks;

/* CHECK/REQUIRE evaluate `cond` exactly once, before the message arguments
 * (so messages may show errno or fields filled in by `cond`). */
#define CHECK(cond, ...)                                 \
    do {                                                 \
        int check_ok_ = (cond) ? 1 : 0;                 \
        (void)check_result(check_ok_, __VA_ARGS__);      \
    } while (0)

#define REQUIRE(cond, ...)                               \
    do {                                                 \
        int check_ok_ = (cond) ? 1 : 0;                 \
        if (!check_result(check_ok_, __VA_ARGS__)) {     \
            printf("RESULT: FAIL (aborted)\n");          \
            exit(1);                                     \
        }                                                \
    } while (0)

__attribute__((format(printf, 2, 3))) static int check_result(int ok, const char *format, ...) {
    checks++;
    if (!ok)
        failures++;
    printf("%s - ", ok ? "ok" : "not ok");
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
    return ok;
}

static void touch(const char *name) {
    FILE *f = fopen(name, "w");
    if (f == NULL) {
        perror(name);
        exit(1);
    }
    fclose(f);
}

static int wait_for_file(const char *name, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        if (access(name, F_OK) == 0)
            return 0;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Collects events from all fds until `want` events arrived or 5 s passed.
 * Returns the number of read() calls that returned more than one event. */
static int collect_events(struct smiley_gpio_input_request *req, struct smiley_gpio_event *out, int want,
                          int *got) {
    unsigned int nfds = smiley_gpio_input_num_fds(req);
    struct pollfd pfds[16];
    int bulk_reads = 0;
    *got = 0;
    for (unsigned int i = 0; i < nfds && i < 16; i++) {
        pfds[i].fd = smiley_gpio_input_fd(req, i);
        pfds[i].events = POLLIN;
    }
    uint64_t deadline = monotonic_ns() + 5000000000ull;
    while (*got < want && monotonic_ns() < deadline) {
        int ready = poll(pfds, nfds, 200);
        if (ready < 0) {
            perror("poll");
            return bulk_reads;
        }
        for (unsigned int i = 0; i < nfds; i++) {
            if (!(pfds[i].revents & POLLIN))
                continue;
            int n = smiley_gpio_input_read_events(req, i, out + *got, (unsigned int)(32 - *got));
            if (n < 0) {
                printf("# read_events(fd %u) failed: %s\n", i, strerror(errno));
                return bulk_reads;
            }
            printf("# read %d event(s) from fd index %u\n", n, i);
            if (n > 1)
                bulk_reads++;
            *got += n;
        }
    }
    return bulk_reads;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *chip_path = getenv("SMILEY_SIM_CHIP");
    const char *chip_name = getenv("SMILEY_SIM_CHIP_NAME");
    REQUIRE(chip_path && chip_name, "SMILEY_SIM_CHIP/SMILEY_SIM_CHIP_NAME set (%s)", chip_path ? chip_path : "unset");
    printf("# libgpiod %s (API %d)\n", smiley_gpiod_version_string(), smiley_gpiod_api_major());

    /* --- enumeration and chip lookup ------------------------------------------------ */
    struct smiley_gpio_chip_list *list = smiley_gpio_chip_list_new();
    REQUIRE(list != NULL, "chip_list_new: %s", list ? "ok" : strerror(errno));
    int listed = 0;
    for (unsigned int i = 0; i < smiley_gpio_chip_list_count(list); i++) {
        printf("# chip %u: %s\n", i, smiley_gpio_chip_list_path(list, i));
        if (strcmp(smiley_gpio_chip_list_path(list, i), chip_path) == 0)
            listed = 1;
    }
    CHECK(listed, "chip list contains %s", chip_path);
    CHECK(smiley_gpio_chip_list_path(list, smiley_gpio_chip_list_count(list)) == NULL && errno == EINVAL,
          "chip_list_path out of range -> EINVAL");
    smiley_gpio_chip_list_free(list);

    struct smiley_gpio_chip *chip = smiley_gpio_chip_open_by_label("smiley-sim");
    REQUIRE(chip != NULL, "open_by_label(smiley-sim): %s", chip ? "ok" : strerror(errno));
    printf("# chip path=%s name=%s label=%s lines=%u\n", smiley_gpio_chip_path(chip), smiley_gpio_chip_name(chip),
           smiley_gpio_chip_label(chip), smiley_gpio_chip_num_lines(chip));
    CHECK(strcmp(smiley_gpio_chip_path(chip), chip_path) == 0, "label lookup found %s", chip_path);
    CHECK(strcmp(smiley_gpio_chip_name(chip), chip_name) == 0, "chip name is %s", chip_name);
    CHECK(strcmp(smiley_gpio_chip_label(chip), "smiley-sim") == 0, "chip label is smiley-sim");
    CHECK(smiley_gpio_chip_num_lines(chip) == 28, "chip has 28 lines (%u)", smiley_gpio_chip_num_lines(chip));

    struct smiley_gpio_chip *by_name = smiley_gpio_chip_open_by_name(chip_name);
    CHECK(by_name && strcmp(smiley_gpio_chip_label(by_name), "smiley-sim") == 0, "open_by_name(%s)", chip_name);
    smiley_gpio_chip_close(by_name);
    struct smiley_gpio_chip *by_path = smiley_gpio_chip_open(chip_path);
    CHECK(by_path && strcmp(smiley_gpio_chip_name(by_path), chip_name) == 0, "open(%s)", chip_path);
    smiley_gpio_chip_close(by_path);
    struct smiley_gpio_chip *lookup = smiley_gpio_chip_open_lookup("smiley-sim");
    CHECK(lookup && strcmp(smiley_gpio_chip_path(lookup), chip_path) == 0, "open_lookup(smiley-sim)");
    smiley_gpio_chip_close(lookup);
    errno = 0;
    CHECK(smiley_gpio_chip_open_by_label("no-such-chip") == NULL && errno == ENOENT,
          "open_by_label(no-such-chip) -> ENOENT (%s)", strerror(errno));
    errno = 0;
    CHECK(smiley_gpio_chip_open("/dev/gpiochip999") == NULL && errno == ENOENT,
          "open(/dev/gpiochip999) -> ENOENT (%s)", strerror(errno));

    /* --- names and line info -------------------------------------------------------- */
    int gpio5 = smiley_gpio_chip_find_line(chip, "GPIO5");
    CHECK(gpio5 == 5, "find_line(GPIO5) = %d", gpio5);
    int gpio6 = smiley_gpio_chip_find_line(chip, "GPIO6");
    int gpio23 = smiley_gpio_chip_find_line(chip, "GPIO23");
    int gpio24 = smiley_gpio_chip_find_line(chip, "GPIO24");
    int gpio27 = smiley_gpio_chip_find_line(chip, "GPIO27");
    CHECK(gpio6 == 6 && gpio23 == 23 && gpio24 == 24 && gpio27 == 27, "find_line GPIO6/23/24/27 = %d/%d/%d/%d",
          gpio6, gpio23, gpio24, gpio27);
    REQUIRE(gpio5 == 5 && gpio6 == 6 && gpio23 == 23 && gpio24 == 24 && gpio27 == 27, "pin map offsets");
    errno = 0;
    CHECK(smiley_gpio_chip_find_line(chip, "GPIO99") == -1 && errno == ENOENT, "find_line(GPIO99) -> ENOENT (%s)",
          strerror(errno));

    struct smiley_gpio_line_info info;
    CHECK(smiley_gpio_chip_line_info(chip, 5, &info) == 0 && strcmp(smiley_gpio_line_info_name(&info), "GPIO5") == 0 &&
              !info.used && !info.output,
          "line_info(5): name=%s used=%d output=%d", info.name, info.used, info.output);
    errno = 0;
    CHECK(smiley_gpio_chip_line_info(chip, 28, &info) == -1 && errno == ENOENT, "line_info(28) -> ENOENT (%s)",
          strerror(errno));

    /* --- inputs ------------------------------------------------------------------- */
    struct smiley_gpio_input_line in_lines[2] = {
        {5, SMILEY_GPIO_BIAS_PULL_UP, 1},   /* button: pull-up, active-low */
        {6, SMILEY_GPIO_BIAS_PULL_DOWN, 0}, /* mixed config in the same request */
    };
    struct smiley_gpio_input_request *inputs = smiley_gpio_request_input_lines(chip, in_lines, 2, CONSUMER);
    REQUIRE(inputs != NULL, "request_input_lines(5 pull-up active-low, 6 pull-down): %s",
            inputs ? "ok" : strerror(errno));
    unsigned int expected_fds = smiley_gpiod_api_major() == 1 ? 2 : 1;
    CHECK(smiley_gpio_input_num_fds(inputs) == expected_fds, "num_fds = %u (expected %u)",
          smiley_gpio_input_num_fds(inputs), expected_fds);
    CHECK(smiley_gpio_input_num_lines(inputs) == 2 && smiley_gpio_input_offset(inputs, 1) == 6, "input lines/offsets");
    for (unsigned int i = 0; i < smiley_gpio_input_num_fds(inputs); i++)
        CHECK(smiley_gpio_input_fd(inputs, i) >= 0, "input fd %u = %d", i, smiley_gpio_input_fd(inputs, i));

    CHECK(smiley_gpio_chip_line_info(chip, 5, &info) == 0 && info.used &&
              strcmp(smiley_gpio_line_info_consumer(&info), CONSUMER) == 0 && info.active_low &&
              info.bias == SMILEY_GPIO_BIAS_PULL_UP && !info.output,
          "line_info(5) while held: used=%d consumer=%s active_low=%d bias=%d", info.used, info.consumer,
          info.active_low, info.bias);

    int values[2] = {-1, -1};
    CHECK(smiley_gpio_input_get_values(inputs, values, 2) == 0 && values[0] == 0 && values[1] == 0,
          "initial values inactive: GPIO5=%d GPIO6=%d", values[0], values[1]);

    uint64_t t_start = monotonic_ns();
    touch("phase-inputs");
    REQUIRE(wait_for_file("phase-pressed", 20000) == 0, "script pressed the buttons");
    CHECK(smiley_gpio_input_get_values(inputs, values, 2) == 0 && values[0] == 1 && values[1] == 1,
          "values after GPIO5 pull-down / GPIO6 pull-up: GPIO5=%d GPIO6=%d", values[0], values[1]);
    touch("phase-read-pressed");
    REQUIRE(wait_for_file("phase-released", 20000) == 0, "script released the buttons");
    CHECK(smiley_gpio_input_get_values(inputs, values, 2) == 0 && values[0] == 0 && values[1] == 0,
          "values after release: GPIO5=%d GPIO6=%d", values[0], values[1]);

    struct smiley_gpio_event events[32];
    int got = 0;
    int bulk_reads = collect_events(inputs, events, 4, &got);
    uint64_t t_end = monotonic_ns();
    for (int i = 0; i < got; i++)
        printf("# event %d: offset=%u active=%d ts=%llu line_seqno=%llu global_seqno=%llu\n", i, events[i].offset,
               events[i].active, (unsigned long long)events[i].timestamp_ns,
               (unsigned long long)events[i].line_seqno, (unsigned long long)events[i].global_seqno);
    CHECK(got == 4, "4 edge events received (%d)", got);
    CHECK(bulk_reads > 0, "at least one read returned several events at once (%d)", bulk_reads);
    /* Per line: active then inactive, increasing timestamps within the test window. */
    for (int line = 5; line <= 6; line++) {
        int seen = 0;
        uint64_t last_ts = 0;
        int ok = 1;
        for (int i = 0; i < got; i++) {
            if ((int)events[i].offset != line)
                continue;
            int expect_active = seen == 0 ? 1 : 0;
            if (events[i].active != expect_active || events[i].timestamp_ns < last_ts ||
                events[i].timestamp_ns < t_start || events[i].timestamp_ns > t_end)
                ok = 0;
            if (smiley_gpiod_api_major() == 2 && events[i].line_seqno != (uint64_t)seen + 1)
                ok = 0;
            last_ts = events[i].timestamp_ns;
            seen++;
        }
        CHECK(ok && seen == 2, "GPIO%d: press (active=1) then release (active=0), monotonic timestamps", line);
    }
    if (smiley_gpiod_api_major() == 2 && got == 4) {
        int ok = 1;
        for (int i = 0; i < 4; i++)
            if (events[i].global_seqno != (uint64_t)i + 1)
                ok = 0;
        CHECK(ok && events[0].offset == 5 && events[1].offset == 6 && events[2].offset == 5 && events[3].offset == 6,
              "2.x: single fd delivers events in global order 5,6,5,6 with global_seqno 1..4");
    } else if (got == 4) {
        CHECK(events[0].line_seqno == 0 && events[0].global_seqno == 0, "1.6: seqnos reported as 0");
    }

    /* --- outputs ------------------------------------------------------------------ */
    unsigned int out_offsets[2] = {23, 24};
    int out_initial[2] = {0, 1};
    struct smiley_gpio_output_request *outputs =
        smiley_gpio_request_output_lines(chip, out_offsets, out_initial, 2, CONSUMER);
    REQUIRE(outputs != NULL, "request_output_lines(23=0, 24=1): %s", outputs ? "ok" : strerror(errno));
    CHECK(smiley_gpio_output_set_value(outputs, 23, 1) == 0, "set GPIO23 = 1");
    CHECK(smiley_gpio_output_get_value(outputs, 23) == 1 && smiley_gpio_output_get_value(outputs, 24) == 1,
          "output values read back: GPIO23=%d GPIO24=%d", smiley_gpio_output_get_value(outputs, 23),
          smiley_gpio_output_get_value(outputs, 24));
    errno = 0;
    CHECK(smiley_gpio_output_set_value(outputs, 5, 1) == -1 && errno == ENOENT,
          "set_value on an offset outside the request -> ENOENT (%s)", strerror(errno));
    CHECK(smiley_gpio_chip_line_info(chip, 23, &info) == 0 && info.used && info.output, "line_info(23): output, used");
    touch("phase-outputs");
    CHECK(wait_for_file("phase-outputs-checked", 20000) == 0, "script checked sim_gpio23/value");

    /* --- errors ------------------------------------------------------------------- */
    struct smiley_gpio_input_line again = {5, SMILEY_GPIO_BIAS_PULL_UP, 1};
    errno = 0;
    struct smiley_gpio_input_request *dup = smiley_gpio_request_input_lines(chip, &again, 1, "other");
    CHECK(dup == NULL && errno == EBUSY, "re-requesting held GPIO5 -> EBUSY (%s)", strerror(errno));
    smiley_gpio_input_release(dup);
    errno = 0;
    struct smiley_gpio_output_request *dup_out = smiley_gpio_request_output_lines(chip, out_offsets, NULL, 1, "other");
    CHECK(dup_out == NULL && errno == EBUSY, "re-requesting held GPIO23 -> EBUSY (%s)", strerror(errno));
    smiley_gpio_output_release(dup_out);
    struct smiley_gpio_input_line missing = {40, SMILEY_GPIO_BIAS_AS_IS, 0};
    errno = 0;
    CHECK(smiley_gpio_request_input_lines(chip, &missing, 1, "other") == NULL && errno == ENOENT,
          "requesting offset 40 on a 28-line chip -> ENOENT (%s)", strerror(errno));
    struct smiley_gpio_input_line twice[2] = {{7, SMILEY_GPIO_BIAS_AS_IS, 0}, {7, SMILEY_GPIO_BIAS_AS_IS, 0}};
    errno = 0;
    CHECK(smiley_gpio_request_input_lines(chip, twice, 2, "other") == NULL && errno == EINVAL,
          "duplicate offsets -> EINVAL (%s)", strerror(errno));

    /* A line held by another process. */
    int to_parent[2], to_child[2];
    REQUIRE(pipe(to_parent) == 0 && pipe(to_child) == 0, "pipes");
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        struct smiley_gpio_chip *c = smiley_gpio_chip_open(chip_path);
        struct smiley_gpio_input_line l = {27, SMILEY_GPIO_BIAS_PULL_UP, 1};
        struct smiley_gpio_input_request *r = c ? smiley_gpio_request_input_lines(c, &l, 1, "selftest-child") : NULL;
        char status = r ? 'y' : 'n';
        if (write(to_parent[1], &status, 1) != 1)
            _exit(2);
        char done;
        if (read(to_child[0], &done, 1) != 1)
            _exit(2);
        smiley_gpio_input_release(r);
        smiley_gpio_chip_close(c);
        _exit(r ? 0 : 1);
    }
    char child_status = 'n';
    REQUIRE(read(to_parent[0], &child_status, 1) == 1 && child_status == 'y', "child process holds GPIO27");
    CHECK(smiley_gpio_chip_line_info(chip, 27, &info) == 0 && info.used &&
              strcmp(info.consumer, "selftest-child") == 0,
          "line_info(27): used by %s", info.consumer);
    struct smiley_gpio_input_line held = {27, SMILEY_GPIO_BIAS_PULL_UP, 1};
    errno = 0;
    struct smiley_gpio_input_request *busy = smiley_gpio_request_input_lines(chip, &held, 1, CONSUMER);
    CHECK(busy == NULL && errno == EBUSY, "requesting GPIO27 held by another process -> EBUSY (%s)", strerror(errno));
    smiley_gpio_input_release(busy);
    char done = 'x';
    CHECK(write(to_child[1], &done, 1) == 1, "child told to release");
    int wstatus = 0;
    waitpid(child, &wstatus, 0);
    CHECK(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0, "child exited cleanly");

    /* --- release ------------------------------------------------------------------ */
    smiley_gpio_input_release(inputs);
    smiley_gpio_output_release(outputs);
    CHECK(smiley_gpio_chip_line_info(chip, 5, &info) == 0 && !info.used, "GPIO5 free after release");
    CHECK(smiley_gpio_chip_line_info(chip, 23, &info) == 0 && !info.used, "GPIO23 free after release");
    struct smiley_gpio_input_request *reacquired = smiley_gpio_request_input_lines(chip, &again, 1, CONSUMER);
    CHECK(reacquired != NULL, "GPIO5 can be requested again after release");
    smiley_gpio_input_release(reacquired);
    smiley_gpio_chip_close(chip);

    printf("RESULT: %s (%d checks, %d failed, libgpiod %s)\n", failures ? "FAIL" : "PASS", checks, failures,
           smiley_gpiod_version_string());
    return failures ? 1 : 0;
}

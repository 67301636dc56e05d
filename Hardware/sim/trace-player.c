/*
 * trace-player: plays an edge trace into the gpio-sim chip of the hardware-in-the-loop VM.
 *
 *   trace-player [--sysfs DIR] [--line NAME=OFFSET]... [--active-high NAME]... [--start-delay-ms MS]
 *                [--fifo PRIORITY] [--spin-below-us N] [--applied FILE] [--stats FILE] TRACE
 *
 * TRACE is the format `smileyctl buttons record` writes and `smiley-device replay` reads: one edge a
 * line, `MONOTONIC_NANOS LINE_NAME LEVEL` (1 pressed, 0 released), '#' starts a comment. Only the
 * trace's relative times matter: its first edge is played --start-delay-ms (default 200) after the
 * player is ready, each later one at the same distance from it as in the trace, with absolute-time
 * sleeps (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)) so lateness never accumulates.
 *
 * A press (level 1) on an active-low line (the default: buttons wire to ground) is `pull-down` written
 * to DIR/sim_gpioOFFSET/pull, a release `pull-up`. A line named GPIO<N> is offset N unless --line says
 * otherwise. gpio-sim makes no edge when the pull does not change, so an edge that repeats its line's
 * level is not applied; it is counted as skipped.
 *
 * The as-applied trace (--applied, default standard output) is in the same format, stamped with the
 * CLOCK_MONOTONIC reading taken just before each write, the clock the kernel stamps edge events with,
 * so `smiley-device replay` of it is directly comparable with what the device stored. Each line
 * carries a comment with the intended time, the lateness and how long the write took. The lateness
 * statistics (applied minus intended) go to --stats as one JSON object (default standard error).
 *
 * --spin-below-us N busy-waits instead of sleeping when the next edge is due in less than N
 * microseconds: with --fifo the player then holds the CPU through a run of closely spaced edges, as an
 * interrupt storm does, and plays them more precisely than a sleep under emulation can.
 *
 * --fifo PRIORITY runs the player under SCHED_FIFO. Below the kernel's interrupt threads (50) it lets
 * every edge be handled by the kernel at once but keeps ordinary processes, such as the device's
 * event loop, off the CPU until the player sleeps: on a one-CPU VM, edges due at the same moment
 * arrive together, the way a storm reaches a busy loop.
 *
 * Exit status: 0 when every edge was played, 1 on a write or clock failure, 2 on bad arguments or a
 * bad trace (the message names the line).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINES 64
#define NAME_LEN 64

struct line {
    char name[NAME_LEN];
    int offset;       /* -1 until known */
    int active_low;   /* 1 unless --active-high */
    int fd;           /* DIR/sim_gpioOFFSET/pull */
    int level;        /* logical level as last applied, -1 unknown */
    int used;         /* appears in the trace */
};

struct edge {
    int64_t nanos; /* as in the trace */
    int line;
    int level;
    int64_t intended; /* absolute CLOCK_MONOTONIC */
    int64_t applied;  /* CLOCK_MONOTONIC just before the write; 0 if skipped */
    int64_t write_ns;
};

static struct line lines[MAX_LINES];
static int line_count;

static void usage_error(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("trace-player: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(2);
}

static void failure(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("trace-player: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

static int64_t monotonic_now(void) {
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        failure("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int find_line(const char *name, int create) {
    for (int i = 0; i < line_count; i++)
        if (strcmp(lines[i].name, name) == 0)
            return i;
    if (!create)
        return -1;
    if (line_count == MAX_LINES)
        usage_error("more than %d distinct lines", MAX_LINES);
    if (strlen(name) >= NAME_LEN)
        usage_error("line name '%s' is longer than %d characters", name, NAME_LEN - 1);
    struct line *line = &lines[line_count];
    memset(line, 0, sizeof(*line));
    strcpy(line->name, name);
    line->offset = -1;
    line->active_low = 1;
    line->fd = -1;
    line->level = -1;
    return line_count++;
}

static int parse_int(const char *text, long min, long max, long *out) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

/* Reads the trace; every error names the trace line. */
static struct edge *read_trace(const char *path, size_t *count) {
    FILE *file = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (file == NULL)
        usage_error("cannot open trace %s: %s", path, strerror(errno));
    size_t capacity = 1024, n = 0;
    struct edge *edges = malloc(capacity * sizeof(*edges));
    char *text = NULL;
    size_t text_capacity = 0;
    ssize_t length;
    int number = 0;
    if (edges == NULL)
        failure("out of memory");
    while ((length = getline(&text, &text_capacity, file)) >= 0) {
        number++;
        char *hash = strchr(text, '#');
        if (hash != NULL)
            *hash = '\0';
        char *fields[4];
        int field_count = 0;
        for (char *token = strtok(text, " \t\r\n"); token != NULL; token = strtok(NULL, " \t\r\n")) {
            if (field_count < 4)
                fields[field_count] = token;
            field_count++;
        }
        if (field_count == 0)
            continue;
        if (field_count != 3)
            usage_error("%s line %d: expected 'NANOSECONDS LINE_NAME LEVEL', got %d fields", path, number,
                        field_count);
        char *end;
        errno = 0;
        long long nanos = strtoll(fields[0], &end, 10);
        if (errno != 0 || *end != '\0' || nanos < 0)
            usage_error("%s line %d: '%s' is not a time in nanoseconds", path, number, fields[0]);
        if (strcmp(fields[2], "0") != 0 && strcmp(fields[2], "1") != 0)
            usage_error("%s line %d: level must be 0 or 1, got '%s'", path, number, fields[2]);
        if (n > 0 && nanos < edges[n - 1].nanos)
            usage_error("%s line %d: timestamp is earlier than the line before", path, number);
        if (n == capacity) {
            capacity *= 2;
            edges = realloc(edges, capacity * sizeof(*edges));
            if (edges == NULL)
                failure("out of memory");
        }
        memset(&edges[n], 0, sizeof(edges[n]));
        edges[n].nanos = nanos;
        edges[n].line = find_line(fields[1], 1);
        edges[n].level = fields[2][0] == '1';
        lines[edges[n].line].used = 1;
        n++;
    }
    free(text);
    if (file != stdin)
        fclose(file);
    if (n == 0)
        usage_error("%s holds no edges", path);
    *count = n;
    return edges;
}

static const char *pull_for(const struct line *line, int level) {
    int high = line->active_low ? !level : level;
    return high ? "pull-up" : "pull-down";
}

/* Writes the pull; returns 0 or -1 with errno. */
static int apply(struct line *line, int level) {
    const char *pull = pull_for(line, level);
    ssize_t written = pwrite(line->fd, pull, strlen(pull), 0);
    if (written != (ssize_t)strlen(pull))
        return -1;
    line->level = level;
    return 0;
}

static int compare_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static int64_t percentile(const int64_t *sorted, size_t n, double p) {
    if (n == 0)
        return 0;
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static void print_distribution(FILE *out, const char *key, int64_t *values, size_t n) {
    qsort(values, n, sizeof(*values), compare_int64);
    fprintf(out,
            "\"%s\":{\"min\":%" PRId64 ",\"median\":%" PRId64 ",\"p99\":%" PRId64 ",\"max\":%" PRId64 "}", key,
            n ? values[0] : 0, percentile(values, n, 50), percentile(values, n, 99), n ? values[n - 1] : 0);
}

int main(int argc, char **argv) {
    const char *sysfs = getenv("SMILEY_SIM_SYSFS");
    const char *applied_path = NULL, *stats_path = NULL, *trace_path = NULL;
    long start_delay_ms = 200, fifo = 0, spin_below_us = 0;
    struct {
        char name[NAME_LEN];
        long offset;
    } mapped[MAX_LINES];
    int mapped_count = 0;
    char active_high[MAX_LINES][NAME_LEN];
    int active_high_count = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(arg, "--sysfs") == 0 && has_value) {
            sysfs = argv[++i];
        } else if (strcmp(arg, "--applied") == 0 && has_value) {
            applied_path = argv[++i];
        } else if (strcmp(arg, "--stats") == 0 && has_value) {
            stats_path = argv[++i];
        } else if (strcmp(arg, "--start-delay-ms") == 0 && has_value) {
            if (parse_int(argv[++i], 0, 60000, &start_delay_ms) != 0)
                usage_error("--start-delay-ms takes 0..60000, got '%s'", argv[i]);
        } else if (strcmp(arg, "--fifo") == 0 && has_value) {
            if (parse_int(argv[++i], 1, 99, &fifo) != 0)
                usage_error("--fifo takes a priority 1..99, got '%s'", argv[i]);
        } else if (strcmp(arg, "--spin-below-us") == 0 && has_value) {
            if (parse_int(argv[++i], 0, 1000000, &spin_below_us) != 0)
                usage_error("--spin-below-us takes 0..1000000, got '%s'", argv[i]);
        } else if (strcmp(arg, "--line") == 0 && has_value) {
            const char *spec = argv[++i];
            const char *equals = strchr(spec, '=');
            if (equals == NULL || equals == spec || (size_t)(equals - spec) >= NAME_LEN || mapped_count == MAX_LINES ||
                parse_int(equals + 1, 0, 4095, &mapped[mapped_count].offset) != 0)
                usage_error("--line takes NAME=OFFSET, got '%s'", spec);
            memcpy(mapped[mapped_count].name, spec, (size_t)(equals - spec));
            mapped[mapped_count].name[equals - spec] = '\0';
            mapped_count++;
        } else if (strcmp(arg, "--active-high") == 0 && has_value) {
            if (active_high_count == MAX_LINES || strlen(argv[i + 1]) >= NAME_LEN)
                usage_error("--active-high: too many lines or name too long");
            strcpy(active_high[active_high_count++], argv[++i]);
        } else if (arg[0] == '-' && arg[1] == '-') {
            usage_error("unknown option or missing value: %s", arg);
        } else if (trace_path == NULL) {
            trace_path = arg;
        } else {
            usage_error("one trace only (got '%s' and '%s')", trace_path, arg);
        }
    }
    if (trace_path == NULL)
        usage_error("usage: trace-player [--sysfs DIR] [--line NAME=OFFSET]... [--active-high NAME]... "
                    "[--start-delay-ms MS] [--fifo PRIORITY] [--spin-below-us N] [--applied FILE] [--stats FILE] TRACE");
    if (sysfs == NULL)
        usage_error("no gpio-sim directory: pass --sysfs DIR or run inside the VM (SMILEY_SIM_SYSFS)");

    size_t n;
    struct edge *edges = read_trace(trace_path, &n);

    /* Offsets, polarity and the pull files, all opened before the first edge is due. */
    for (int i = 0; i < line_count; i++) {
        struct line *line = &lines[i];
        for (int m = 0; m < mapped_count; m++)
            if (strcmp(mapped[m].name, line->name) == 0)
                line->offset = (int)mapped[m].offset;
        long offset;
        if (line->offset < 0 && strncmp(line->name, "GPIO", 4) == 0 && parse_int(line->name + 4, 0, 4095, &offset) == 0)
            line->offset = (int)offset;
        if (line->offset < 0)
            usage_error("trace line name '%s' has no offset: name it GPIO<N> or pass --line %s=OFFSET", line->name,
                        line->name);
        for (int h = 0; h < active_high_count; h++)
            if (strcmp(active_high[h], line->name) == 0)
                line->active_low = 0;
        char path[4096];
        snprintf(path, sizeof(path), "%s/sim_gpio%d/pull", sysfs, line->offset);
        line->fd = open(path, O_RDWR | O_CLOEXEC);
        if (line->fd < 0)
            failure("cannot open %s for line %s: %s", path, line->name, strerror(errno));
        char current[32] = {0};
        ssize_t got = pread(line->fd, current, sizeof(current) - 1, 0);
        if (got <= 0)
            failure("cannot read %s: %s", path, got < 0 ? strerror(errno) : "empty");
        int high = strncmp(current, "pull-up", 7) == 0;
        line->level = line->active_low ? !high : high;
    }

    FILE *applied = stdout;
    if (applied_path != NULL && (applied = fopen(applied_path, "w")) == NULL)
        failure("cannot write %s: %s", applied_path, strerror(errno));
    FILE *stats = stderr;
    if (stats_path != NULL && (stats = fopen(stats_path, "w")) == NULL)
        failure("cannot write %s: %s", stats_path, strerror(errno));

    /* Each line starts at the level before its first edge, so that edge is a real one. */
    fprintf(applied, "# as applied by trace-player from %s\n", trace_path);
    for (int i = 0; i < line_count; i++) {
        struct line *line = &lines[i];
        int before = -1;
        for (size_t e = 0; e < n && before < 0; e++)
            if (edges[e].line == i)
                before = !edges[e].level;
        if (line->level != before) {
            int64_t at = monotonic_now();
            if (apply(line, before) != 0)
                failure("cannot write sim_gpio%d/pull for line %s: %s", line->offset, line->name, strerror(errno));
            fprintf(applied, "%" PRId64 " %s %d # set before the trace starts\n", at, line->name, before);
        }
    }

    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0 && fifo > 0)
        fprintf(stderr, "trace-player: warning: mlockall: %s\n", strerror(errno));
    if (fifo > 0) {
        struct sched_param param = {.sched_priority = (int)fifo};
        if (sched_setscheduler(0, SCHED_FIFO, &param) != 0)
            failure("SCHED_FIFO priority %ld: %s (run as root)", fifo, strerror(errno));
    }

    int64_t origin = monotonic_now() + (int64_t)start_delay_ms * 1000000;
    for (size_t e = 0; e < n; e++) {
        struct edge *edge = &edges[e];
        struct line *line = &lines[edge->line];
        edge->intended = origin + (edge->nanos - edges[0].nanos);
        int64_t now = monotonic_now();
        if (now < edge->intended && edge->intended - now < spin_below_us * 1000) {
            while (monotonic_now() < edge->intended) {
            }
        } else if (now < edge->intended) {
            struct timespec target = {.tv_sec = edge->intended / 1000000000, .tv_nsec = edge->intended % 1000000000};
            int rc;
            while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL)) == EINTR) {
            }
            if (rc != 0)
                failure("clock_nanosleep: %s", strerror(rc));
        }
        if (line->level == edge->level)
            continue; /* gpio-sim makes no edge for an unchanged pull */
        int64_t before = monotonic_now();
        if (apply(line, edge->level) != 0)
            failure("edge %zu: cannot write sim_gpio%d/pull for line %s: %s", e + 1, line->offset, line->name,
                    strerror(errno));
        edge->applied = before;
        edge->write_ns = monotonic_now() - before;
    }
    if (fifo > 0) {
        struct sched_param param = {.sched_priority = 0};
        sched_setscheduler(0, SCHED_OTHER, &param);
    }

    int64_t *late = malloc(n * sizeof(int64_t)), *write_ns = malloc(n * sizeof(int64_t));
    if (late == NULL || write_ns == NULL)
        failure("out of memory");
    size_t played = 0;
    for (size_t e = 0; e < n; e++) {
        struct edge *edge = &edges[e];
        if (edge->applied == 0) {
            fprintf(applied, "# not applied: %" PRId64 " %s %d repeats the line's level\n", edge->nanos,
                    lines[edge->line].name, edge->level);
            continue;
        }
        late[played] = edge->applied - edge->intended;
        write_ns[played] = edge->write_ns;
        played++;
        fprintf(applied, "%" PRId64 " %s %d # intended %" PRId64 " late %" PRId64 " write %" PRId64 "\n",
                edge->applied, lines[edge->line].name, edge->level, edge->intended, edge->applied - edge->intended,
                edge->write_ns);
    }
    if (fflush(applied) != 0 || (applied != stdout && fclose(applied) != 0))
        failure("cannot write the applied trace: %s", strerror(errno));

    fprintf(stats,
            "{\"trace\":\"%s\",\"edges\":%zu,\"applied\":%zu,\"skipped\":%zu,\"fifo\":%ld,\"spin_below_us\":%ld,",
            trace_path, n, played, n - played, fifo, spin_below_us);
    print_distribution(stats, "late_ns", late, played);
    fputc(',', stats);
    print_distribution(stats, "write_ns", write_ns, played);
    fputs("}\n", stats);
    if (fflush(stats) != 0 || (stats != stderr && fclose(stats) != 0))
        failure("cannot write the statistics: %s", strerror(errno));
    return 0;
}

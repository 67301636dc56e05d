#ifndef SMILEY_CGPIOD_SHIM_H
#define SMILEY_CGPIOD_SHIM_H

/*
 * Neutral GPIO API over libgpiod 1.6 and libgpiod 2.x.
 *
 * The libgpiod series is chosen at compile time: only the 1.6 header defines
 * GPIOD_LINE_BULK_MAX_LINES. Everything here is `static inline` so the header
 * can be used directly as a Swift [system] module.
 *
 * Conventions:
 *  - Functions returning int return -1 (and set errno) on failure; functions
 *    returning pointers return NULL (and set errno) on failure.
 *  - errno: ENOENT for chips/lines that do not exist (including offsets beyond
 *    the chip's line count), EBUSY when a line is already requested (by this
 *    or another process), EINVAL for bad arguments, otherwise whatever the
 *    kernel/libgpiod reported.
 *  - Handles (chip, chip list, input request, output request) are opaque,
 *    heap-allocated, and must be released with their close/free/release call.
 *    Requests do not depend on the chip handle they were made from: the chip
 *    may be closed while requests stay active.
 *  - Values are logical: for active-low inputs 1 means "active" (pressed).
 *  - Timestamps are CLOCK_MONOTONIC nanoseconds as reported by the kernel.
 */

#include <gpiod.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#ifdef GPIOD_LINE_BULK_MAX_LINES
#define SMILEY_GPIOD_V1 1
#else
#define SMILEY_GPIOD_V2 1
#endif

/* The libgpiod API this binary was compiled against: 1 for the 1.6 series, 2 for 2.x.
 * Only the 1.6 header defines GPIOD_LINE_BULK_MAX_LINES. */
static inline int smiley_gpiod_api_major(void) {
#ifdef GPIOD_LINE_BULK_MAX_LINES
    return 1;
#else
    return 2;
#endif
}

/* Version of the libgpiod library loaded at run time, e.g. "1.6.3" or "2.1.3". */
static inline const char *smiley_gpiod_version_string(void) {
#ifdef SMILEY_GPIOD_V1
    return gpiod_version_string();
#else
    return gpiod_api_version();
#endif
}

/* ------------------------------------------------------------------------- */
/* Public types                                                              */
/* ------------------------------------------------------------------------- */

/* Bias values for smiley_gpio_input_line.bias and smiley_gpio_line_info.bias. */
#define SMILEY_GPIO_BIAS_AS_IS 0
#define SMILEY_GPIO_BIAS_DISABLED 1
#define SMILEY_GPIO_BIAS_PULL_UP 2
#define SMILEY_GPIO_BIAS_PULL_DOWN 3

/* Size of the name/consumer buffers (the kernel limit, including the NUL). */
#define SMILEY_GPIO_NAME_SIZE 32

struct smiley_gpio_chip;            /* opaque: an open GPIO chip */
struct smiley_gpio_chip_list;       /* opaque: snapshot of /dev/gpiochipN paths */
struct smiley_gpio_input_request;   /* opaque: requested input lines with edge events */
struct smiley_gpio_output_request;  /* opaque: requested output lines */

struct smiley_gpio_line_info {
    unsigned int offset;
    char name[SMILEY_GPIO_NAME_SIZE];     /* "" when the line is unnamed */
    char consumer[SMILEY_GPIO_NAME_SIZE]; /* "" when unused or no consumer label */
    int used;                             /* 1 when requested by anyone (or hogged by the kernel) */
    int output;                           /* 1 when the direction is output */
    int active_low;                       /* 1 when configured active-low */
    int bias;                             /* SMILEY_GPIO_BIAS_*; AS_IS when unknown */
};

struct smiley_gpio_input_line {
    unsigned int offset;
    int bias;       /* SMILEY_GPIO_BIAS_* */
    int active_low; /* non-zero: line is active (value 1) when the physical level is low */
};

struct smiley_gpio_event {
    unsigned int offset;   /* line offset within the chip */
    int active;            /* 1 = line became logically active (pressed), 0 = inactive */
    uint64_t timestamp_ns; /* kernel CLOCK_MONOTONIC */
    uint64_t line_seqno;   /* 0 when unknown (libgpiod 1.6) */
    uint64_t global_seqno; /* 0 when unknown (libgpiod 1.6) */
};

/* ------------------------------------------------------------------------- */
/* Internal helpers and implementation structs (not part of the API)         */
/* ------------------------------------------------------------------------- */

struct smiley_gpio__chip_impl {
    struct gpiod_chip *chip;
    char *path;
    char name[SMILEY_GPIO_NAME_SIZE];
    char label[SMILEY_GPIO_NAME_SIZE];
    unsigned int num_lines;
};

struct smiley_gpio__chip_list_impl {
    unsigned int count;
    char **paths;
};

struct smiley_gpio__input_impl {
    unsigned int num_lines;
    unsigned int *offsets;
#ifdef SMILEY_GPIOD_V1
    struct gpiod_chip *chip;   /* private handle owning the requested lines */
    struct gpiod_line **lines; /* one request (and one event fd) per line */
#else
    struct gpiod_line_request *request; /* one request, one fd */
    struct gpiod_edge_event_buffer *buffer;
    enum gpiod_line_value *values;
#endif
};

struct smiley_gpio__output_impl {
    unsigned int num_lines;
    unsigned int *offsets;
#ifdef SMILEY_GPIOD_V1
    struct gpiod_chip *chip;
    struct gpiod_line_bulk bulk; /* one bulk request (one fd) */
    int *values;                 /* last values written; 1.6 sets all lines of a handle at once */
#else
    struct gpiod_line_request *request;
#endif
};

#define SMILEY_GPIO__EVENT_BUFFER_CAPACITY 64

static inline void smiley_gpio__copy_string(char *dst, size_t size, const char *src) {
    if (size == 0)
        return;
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static inline char *smiley_gpio__strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *copy = (char *)malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

/* Parses "gpiochipN"; returns N or -1. */
static inline long smiley_gpio__chip_number(const char *name) {
    if (strncmp(name, "gpiochip", 8) != 0)
        return -1;
    const char *p = name + 8;
    if (*p == '\0')
        return -1;
    long n = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || n > 1000000)
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n;
}

static inline int smiley_gpio__compare_chip_paths(const void *a, const void *b) {
    const char *pa = *(const char *const *)a;
    const char *pb = *(const char *const *)b;
    long na = smiley_gpio__chip_number(pa + 5); /* skip "/dev/" */
    long nb = smiley_gpio__chip_number(pb + 5);
    return (na > nb) - (na < nb);
}

/* Checks that every offset is within the chip and appears only once. */
static inline int smiley_gpio__check_offsets(const struct smiley_gpio__chip_impl *chip,
                                             const unsigned int *offsets, unsigned int count) {
    for (unsigned int i = 0; i < count; i++) {
        if (offsets[i] >= chip->num_lines) {
            errno = ENOENT;
            return -1;
        }
        for (unsigned int j = 0; j < i; j++) {
            if (offsets[j] == offsets[i]) {
                errno = EINVAL;
                return -1;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------- */
/* Chip enumeration                                                          */
/* ------------------------------------------------------------------------- */

static inline void smiley_gpio_chip_list_free(struct smiley_gpio_chip_list *list) {
    struct smiley_gpio__chip_list_impl *impl = (struct smiley_gpio__chip_list_impl *)list;
    if (impl == NULL)
        return;
    int saved = errno;
    for (unsigned int i = 0; i < impl->count; i++)
        free(impl->paths[i]);
    free(impl->paths);
    free(impl);
    errno = saved;
}

/* Snapshot of the GPIO character devices (/dev/gpiochipN), sorted by N.
 * An empty list is not an error. */
static inline struct smiley_gpio_chip_list *smiley_gpio_chip_list_new(void) {
    struct smiley_gpio__chip_list_impl *impl = (struct smiley_gpio__chip_list_impl *)calloc(1, sizeof(*impl));
    if (impl == NULL)
        return NULL;
    DIR *dir = opendir("/dev");
    if (dir == NULL) {
        smiley_gpio_chip_list_free((struct smiley_gpio_chip_list *)impl);
        return NULL;
    }
    unsigned int capacity = 0;
    struct dirent *entry;
    for (;;) {
        errno = 0;
        entry = readdir(dir);
        if (entry == NULL)
            break;
        if (smiley_gpio__chip_number(entry->d_name) < 0)
            continue;
        char path[sizeof(entry->d_name) + 8];
        snprintf(path, sizeof(path), "/dev/%s", entry->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISCHR(st.st_mode))
            continue;
        if (impl->count == capacity) {
            unsigned int next = capacity ? capacity * 2 : 8;
            char **grown = (char **)realloc(impl->paths, next * sizeof(char *));
            if (grown == NULL)
                goto fail;
            impl->paths = grown;
            capacity = next;
        }
        impl->paths[impl->count] = smiley_gpio__strdup(path);
        if (impl->paths[impl->count] == NULL)
            goto fail;
        impl->count++;
    }
    if (errno != 0)
        goto fail;
    closedir(dir);
    if (impl->count > 1)
        qsort(impl->paths, impl->count, sizeof(char *), smiley_gpio__compare_chip_paths);
    return (struct smiley_gpio_chip_list *)impl;
fail: {
        int saved = errno ? errno : ENOMEM;
        closedir(dir);
        smiley_gpio_chip_list_free((struct smiley_gpio_chip_list *)impl);
        errno = saved;
        return NULL;
    }
}

static inline unsigned int smiley_gpio_chip_list_count(struct smiley_gpio_chip_list *list) {
    return list ? ((struct smiley_gpio__chip_list_impl *)list)->count : 0;
}

/* Path of entry `index` ("/dev/gpiochipN"), or NULL (EINVAL) when out of range.
 * The string lives as long as the list. */
static inline const char *smiley_gpio_chip_list_path(struct smiley_gpio_chip_list *list, unsigned int index) {
    struct smiley_gpio__chip_list_impl *impl = (struct smiley_gpio__chip_list_impl *)list;
    if (impl == NULL || index >= impl->count) {
        errno = EINVAL;
        return NULL;
    }
    return impl->paths[index];
}

/* ------------------------------------------------------------------------- */
/* Chips                                                                     */
/* ------------------------------------------------------------------------- */

static inline void smiley_gpio_chip_close(struct smiley_gpio_chip *chip) {
    struct smiley_gpio__chip_impl *impl = (struct smiley_gpio__chip_impl *)chip;
    if (impl == NULL)
        return;
    int saved = errno;
    if (impl->chip)
        gpiod_chip_close(impl->chip);
    free(impl->path);
    free(impl);
    errno = saved;
}

/* Opens a chip by device path, e.g. "/dev/gpiochip0". */
static inline struct smiley_gpio_chip *smiley_gpio_chip_open(const char *path) {
    if (path == NULL || *path == '\0') {
        errno = EINVAL;
        return NULL;
    }
    struct smiley_gpio__chip_impl *impl = (struct smiley_gpio__chip_impl *)calloc(1, sizeof(*impl));
    if (impl == NULL)
        return NULL;
    impl->path = smiley_gpio__strdup(path);
    if (impl->path == NULL) {
        smiley_gpio_chip_close((struct smiley_gpio_chip *)impl);
        errno = ENOMEM;
        return NULL;
    }
    impl->chip = gpiod_chip_open(path);
    if (impl->chip == NULL) {
        int saved = errno ? errno : ENODEV;
        smiley_gpio_chip_close((struct smiley_gpio_chip *)impl);
        errno = saved;
        return NULL;
    }
#ifdef SMILEY_GPIOD_V1
    smiley_gpio__copy_string(impl->name, sizeof(impl->name), gpiod_chip_name(impl->chip));
    smiley_gpio__copy_string(impl->label, sizeof(impl->label), gpiod_chip_label(impl->chip));
    impl->num_lines = gpiod_chip_num_lines(impl->chip);
#else
    struct gpiod_chip_info *info = gpiod_chip_get_info(impl->chip);
    if (info == NULL) {
        int saved = errno ? errno : EIO;
        smiley_gpio_chip_close((struct smiley_gpio_chip *)impl);
        errno = saved;
        return NULL;
    }
    smiley_gpio__copy_string(impl->name, sizeof(impl->name), gpiod_chip_info_get_name(info));
    smiley_gpio__copy_string(impl->label, sizeof(impl->label), gpiod_chip_info_get_label(info));
    impl->num_lines = (unsigned int)gpiod_chip_info_get_num_lines(info);
    gpiod_chip_info_free(info);
#endif
    return (struct smiley_gpio_chip *)impl;
}

/* Opens a chip by its kernel name, e.g. "gpiochip0" (-> /dev/gpiochip0). */
static inline struct smiley_gpio_chip *smiley_gpio_chip_open_by_name(const char *name) {
    if (name == NULL || *name == '\0' || strchr(name, '/') != NULL || strlen(name) > 200) {
        errno = EINVAL;
        return NULL;
    }
    char path[256];
    snprintf(path, sizeof(path), "/dev/%s", name);
    return smiley_gpio_chip_open(path);
}

/* Opens the first chip (in /dev/gpiochipN order) whose label equals `label`,
 * e.g. "pinctrl-bcm2711" or "smiley-sim". ENOENT when there is none. */
static inline struct smiley_gpio_chip *smiley_gpio_chip_open_by_label(const char *label) {
    if (label == NULL) {
        errno = EINVAL;
        return NULL;
    }
    struct smiley_gpio_chip_list *list = smiley_gpio_chip_list_new();
    if (list == NULL)
        return NULL;
    int access_error = 0;
    for (unsigned int i = 0; i < smiley_gpio_chip_list_count(list); i++) {
        struct smiley_gpio_chip *chip = smiley_gpio_chip_open(smiley_gpio_chip_list_path(list, i));
        if (chip == NULL) {
            if (errno == EACCES || errno == EPERM)
                access_error = errno;
            continue;
        }
        if (strcmp(((struct smiley_gpio__chip_impl *)chip)->label, label) == 0) {
            smiley_gpio_chip_list_free(list);
            return chip;
        }
        smiley_gpio_chip_close(chip);
    }
    smiley_gpio_chip_list_free(list);
    errno = access_error ? access_error : ENOENT;
    return NULL;
}

/* Opens a chip given a path ("/dev/gpiochip0"), a name ("gpiochip0"),
 * a number ("0") or a label ("smiley-sim"), tried in that order. */
static inline struct smiley_gpio_chip *smiley_gpio_chip_open_lookup(const char *spec) {
    if (spec == NULL || *spec == '\0') {
        errno = EINVAL;
        return NULL;
    }
    if (strchr(spec, '/') != NULL)
        return smiley_gpio_chip_open(spec);
    if (smiley_gpio__chip_number(spec) >= 0)
        return smiley_gpio_chip_open_by_name(spec);
    bool digits = true;
    for (const char *p = spec; *p; p++)
        if (*p < '0' || *p > '9')
            digits = false;
    if (digits && strlen(spec) < 10) {
        char name[32];
        snprintf(name, sizeof(name), "gpiochip%s", spec);
        return smiley_gpio_chip_open_by_name(name);
    }
    return smiley_gpio_chip_open_by_label(spec);
}

static inline const char *smiley_gpio_chip_path(struct smiley_gpio_chip *chip) {
    return ((struct smiley_gpio__chip_impl *)chip)->path;
}

/* Kernel name, e.g. "gpiochip0". */
static inline const char *smiley_gpio_chip_name(struct smiley_gpio_chip *chip) {
    return ((struct smiley_gpio__chip_impl *)chip)->name;
}

/* Chip label, e.g. "pinctrl-bcm2711" or "smiley-sim". */
static inline const char *smiley_gpio_chip_label(struct smiley_gpio_chip *chip) {
    return ((struct smiley_gpio__chip_impl *)chip)->label;
}

static inline unsigned int smiley_gpio_chip_num_lines(struct smiley_gpio_chip *chip) {
    return ((struct smiley_gpio__chip_impl *)chip)->num_lines;
}

/* Fresh information about the line at `offset` (ENOENT if out of range). */
static inline int smiley_gpio_chip_line_info(struct smiley_gpio_chip *chip, unsigned int offset,
                                             struct smiley_gpio_line_info *out) {
    struct smiley_gpio__chip_impl *impl = (struct smiley_gpio__chip_impl *)chip;
    if (impl == NULL || out == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (offset >= impl->num_lines) {
        errno = ENOENT;
        return -1;
    }
    memset(out, 0, sizeof(*out));
    out->offset = offset;
#ifdef SMILEY_GPIOD_V1
    struct gpiod_line *line = gpiod_chip_get_line(impl->chip, offset);
    if (line == NULL || gpiod_line_update(line) != 0)
        return -1;
    smiley_gpio__copy_string(out->name, sizeof(out->name), gpiod_line_name(line));
    smiley_gpio__copy_string(out->consumer, sizeof(out->consumer), gpiod_line_consumer(line));
    out->used = gpiod_line_is_used(line) ? 1 : 0;
    out->output = gpiod_line_direction(line) == GPIOD_LINE_DIRECTION_OUTPUT ? 1 : 0;
    out->active_low = gpiod_line_active_state(line) == GPIOD_LINE_ACTIVE_STATE_LOW ? 1 : 0;
    switch (gpiod_line_bias(line)) {
    case GPIOD_LINE_BIAS_DISABLE: out->bias = SMILEY_GPIO_BIAS_DISABLED; break;
    case GPIOD_LINE_BIAS_PULL_UP: out->bias = SMILEY_GPIO_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: out->bias = SMILEY_GPIO_BIAS_PULL_DOWN; break;
    default: out->bias = SMILEY_GPIO_BIAS_AS_IS; break;
    }
#else
    struct gpiod_line_info *info = gpiod_chip_get_line_info(impl->chip, offset);
    if (info == NULL)
        return -1;
    smiley_gpio__copy_string(out->name, sizeof(out->name), gpiod_line_info_get_name(info));
    smiley_gpio__copy_string(out->consumer, sizeof(out->consumer), gpiod_line_info_get_consumer(info));
    out->used = gpiod_line_info_is_used(info) ? 1 : 0;
    out->output = gpiod_line_info_get_direction(info) == GPIOD_LINE_DIRECTION_OUTPUT ? 1 : 0;
    out->active_low = gpiod_line_info_is_active_low(info) ? 1 : 0;
    switch (gpiod_line_info_get_bias(info)) {
    case GPIOD_LINE_BIAS_DISABLED: out->bias = SMILEY_GPIO_BIAS_DISABLED; break;
    case GPIOD_LINE_BIAS_PULL_UP: out->bias = SMILEY_GPIO_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: out->bias = SMILEY_GPIO_BIAS_PULL_DOWN; break;
    default: out->bias = SMILEY_GPIO_BIAS_AS_IS; break;
    }
    gpiod_line_info_free(info);
#endif
    return 0;
}

/* Pointers into a line info struct (handy from Swift: String(cString:)). */
static inline const char *smiley_gpio_line_info_name(const struct smiley_gpio_line_info *info) {
    return info->name;
}

static inline const char *smiley_gpio_line_info_consumer(const struct smiley_gpio_line_info *info) {
    return info->consumer;
}

/* Offset of the first line of `chip` named `name`, or -1 (ENOENT if no such line). */
static inline int smiley_gpio_chip_find_line(struct smiley_gpio_chip *chip, const char *name) {
    struct smiley_gpio__chip_impl *impl = (struct smiley_gpio__chip_impl *)chip;
    if (impl == NULL || name == NULL || *name == '\0') {
        errno = EINVAL;
        return -1;
    }
#ifdef SMILEY_GPIOD_V1
    errno = 0;
    struct gpiod_line *line = gpiod_chip_find_line(impl->chip, name);
    if (line == NULL) {
        if (errno == 0)
            errno = ENOENT;
        return -1;
    }
    return (int)gpiod_line_offset(line);
#else
    errno = 0;
    int offset = gpiod_chip_get_line_offset_from_name(impl->chip, name);
    if (offset < 0 && errno == 0)
        errno = ENOENT;
    return offset < 0 ? -1 : offset;
#endif
}

/* ------------------------------------------------------------------------- */
/* Input requests (both-edge events)                                         */
/* ------------------------------------------------------------------------- */

static inline void smiley_gpio_input_release(struct smiley_gpio_input_request *request) {
    struct smiley_gpio__input_impl *impl = (struct smiley_gpio__input_impl *)request;
    if (impl == NULL)
        return;
    int saved = errno;
#ifdef SMILEY_GPIOD_V1
    if (impl->lines) {
        for (unsigned int i = 0; i < impl->num_lines; i++)
            if (impl->lines[i] && gpiod_line_is_requested(impl->lines[i]))
                gpiod_line_release(impl->lines[i]);
    }
    if (impl->chip)
        gpiod_chip_close(impl->chip);
    free(impl->lines);
#else
    if (impl->request)
        gpiod_line_request_release(impl->request);
    if (impl->buffer)
        gpiod_edge_event_buffer_free(impl->buffer);
    free(impl->values);
#endif
    free(impl->offsets);
    free(impl);
    errno = saved;
}

/* Requests `num_lines` lines of `chip` as inputs with edge detection on both
 * edges, each with its own bias and active-low setting.
 * libgpiod 1.6: one kernel request (and one fd) per line.
 * libgpiod 2.x: a single request (one fd). */
static inline struct smiley_gpio_input_request *
smiley_gpio_request_input_lines(struct smiley_gpio_chip *chip, const struct smiley_gpio_input_line *lines,
                                unsigned int num_lines, const char *consumer) {
    struct smiley_gpio__chip_impl *chip_impl = (struct smiley_gpio__chip_impl *)chip;
    if (chip_impl == NULL || lines == NULL || num_lines == 0) {
        errno = EINVAL;
        return NULL;
    }
    if (consumer == NULL)
        consumer = "smiley";
    for (unsigned int i = 0; i < num_lines; i++) {
        if (lines[i].bias < SMILEY_GPIO_BIAS_AS_IS || lines[i].bias > SMILEY_GPIO_BIAS_PULL_DOWN) {
            errno = EINVAL;
            return NULL;
        }
    }
    struct smiley_gpio__input_impl *impl = (struct smiley_gpio__input_impl *)calloc(1, sizeof(*impl));
    if (impl == NULL)
        return NULL;
    impl->num_lines = num_lines;
    impl->offsets = (unsigned int *)calloc(num_lines, sizeof(unsigned int));
    if (impl->offsets == NULL)
        goto fail;
    for (unsigned int i = 0; i < num_lines; i++)
        impl->offsets[i] = lines[i].offset;
    if (smiley_gpio__check_offsets(chip_impl, impl->offsets, num_lines) != 0)
        goto fail;

#ifdef SMILEY_GPIOD_V1
    impl->lines = (struct gpiod_line **)calloc(num_lines, sizeof(struct gpiod_line *));
    if (impl->lines == NULL)
        goto fail;
    /* A private chip handle: 1.6 ties requested lines to the chip object. */
    impl->chip = gpiod_chip_open(chip_impl->path);
    if (impl->chip == NULL)
        goto fail;
    for (unsigned int i = 0; i < num_lines; i++) {
        struct gpiod_line *line = gpiod_chip_get_line(impl->chip, lines[i].offset);
        if (line == NULL)
            goto fail;
        int flags = 0;
        if (lines[i].active_low)
            flags |= GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW;
        switch (lines[i].bias) {
        case SMILEY_GPIO_BIAS_DISABLED: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
        case SMILEY_GPIO_BIAS_PULL_UP: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
        case SMILEY_GPIO_BIAS_PULL_DOWN: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
        default: break;
        }
        struct gpiod_line_request_config config;
        config.consumer = consumer;
        config.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES;
        config.flags = flags;
        if (gpiod_line_request(line, &config, 0) != 0)
            goto fail;
        impl->lines[i] = line;
    }
#else
    {
        struct gpiod_line_settings *settings = gpiod_line_settings_new();
        struct gpiod_line_config *line_config = gpiod_line_config_new();
        struct gpiod_request_config *request_config = gpiod_request_config_new();
        int ok = settings && line_config && request_config;
        for (unsigned int i = 0; ok && i < num_lines; i++) {
            enum gpiod_line_bias bias = GPIOD_LINE_BIAS_AS_IS;
            switch (lines[i].bias) {
            case SMILEY_GPIO_BIAS_DISABLED: bias = GPIOD_LINE_BIAS_DISABLED; break;
            case SMILEY_GPIO_BIAS_PULL_UP: bias = GPIOD_LINE_BIAS_PULL_UP; break;
            case SMILEY_GPIO_BIAS_PULL_DOWN: bias = GPIOD_LINE_BIAS_PULL_DOWN; break;
            default: break;
            }
            gpiod_line_settings_reset(settings);
            ok = gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) == 0 &&
                 gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH) == 0 &&
                 gpiod_line_settings_set_bias(settings, bias) == 0 &&
                 gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) == 0;
            if (ok) {
                gpiod_line_settings_set_active_low(settings, lines[i].active_low ? true : false);
                ok = gpiod_line_config_add_line_settings(line_config, &impl->offsets[i], 1, settings) == 0;
            }
        }
        if (ok) {
            gpiod_request_config_set_consumer(request_config, consumer);
            impl->request = gpiod_chip_request_lines(chip_impl->chip, request_config, line_config);
            ok = impl->request != NULL;
        }
        int saved = errno;
        gpiod_line_settings_free(settings);
        gpiod_line_config_free(line_config);
        gpiod_request_config_free(request_config);
        errno = saved;
        if (!ok)
            goto fail;
    }
    impl->buffer = gpiod_edge_event_buffer_new(SMILEY_GPIO__EVENT_BUFFER_CAPACITY);
    impl->values = (enum gpiod_line_value *)calloc(num_lines, sizeof(enum gpiod_line_value));
    if (impl->buffer == NULL || impl->values == NULL)
        goto fail;
#endif
    return (struct smiley_gpio_input_request *)impl;

fail: {
        int saved = errno ? errno : EIO;
        smiley_gpio_input_release((struct smiley_gpio_input_request *)impl);
        errno = saved;
        return NULL;
    }
}

static inline unsigned int smiley_gpio_input_num_lines(struct smiley_gpio_input_request *request) {
    return ((struct smiley_gpio__input_impl *)request)->num_lines;
}

/* Offset of the i-th requested line (same order as passed to the request). */
static inline unsigned int smiley_gpio_input_offset(struct smiley_gpio_input_request *request, unsigned int index) {
    struct smiley_gpio__input_impl *impl = (struct smiley_gpio__input_impl *)request;
    return index < impl->num_lines ? impl->offsets[index] : (unsigned int)-1;
}

/* Number of file descriptors to poll for events (1.6: one per line; 2.x: 1). */
static inline unsigned int smiley_gpio_input_num_fds(struct smiley_gpio_input_request *request) {
#ifdef SMILEY_GPIOD_V1
    return ((struct smiley_gpio__input_impl *)request)->num_lines;
#else
    (void)request;
    return 1;
#endif
}

/* File descriptor `index` (0 <= index < num_fds): becomes readable (POLLIN)
 * when events are pending. Owned by the request; do not close it. */
static inline int smiley_gpio_input_fd(struct smiley_gpio_input_request *request, unsigned int index) {
    struct smiley_gpio__input_impl *impl = (struct smiley_gpio__input_impl *)request;
    if (impl == NULL || index >= smiley_gpio_input_num_fds(request)) {
        errno = EINVAL;
        return -1;
    }
#ifdef SMILEY_GPIOD_V1
    return gpiod_line_event_get_fd(impl->lines[index]);
#else
    return gpiod_line_request_get_fd(impl->request);
#endif
}

/* Reads the current logical values: values[i] (0 or 1) for the i-th requested
 * line. `num_values` must be at least the number of requested lines. */
static inline int smiley_gpio_input_get_values(struct smiley_gpio_input_request *request, int *values,
                                               unsigned int num_values) {
    struct smiley_gpio__input_impl *impl = (struct smiley_gpio__input_impl *)request;
    if (impl == NULL || values == NULL || num_values < impl->num_lines) {
        errno = EINVAL;
        return -1;
    }
#ifdef SMILEY_GPIOD_V1
    for (unsigned int i = 0; i < impl->num_lines; i++) {
        int v = gpiod_line_get_value(impl->lines[i]);
        if (v < 0)
            return -1;
        values[i] = v ? 1 : 0;
    }
#else
    if (gpiod_line_request_get_values_subset(impl->request, impl->num_lines, impl->offsets, impl->values) != 0)
        return -1;
    for (unsigned int i = 0; i < impl->num_lines; i++) {
        if (impl->values[i] == GPIOD_LINE_VALUE_ERROR) {
            errno = EIO;
            return -1;
        }
        values[i] = impl->values[i] == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
    }
#endif
    return 0;
}

/* Reads up to `max_events` pending edge events from fd `fd_index` into
 * `events`; returns how many were stored (>= 1), or -1.
 * Blocks until at least one event is pending: poll the fd first.
 * At most 16 (1.6) or 64 (2.x) events are returned per call. */
static inline int smiley_gpio_input_read_events(struct smiley_gpio_input_request *request, unsigned int fd_index,
                                                struct smiley_gpio_event *events, unsigned int max_events) {
    struct smiley_gpio__input_impl *impl = (struct smiley_gpio__input_impl *)request;
    if (impl == NULL || events == NULL || max_events == 0 || fd_index >= smiley_gpio_input_num_fds(request)) {
        errno = EINVAL;
        return -1;
    }
#ifdef SMILEY_GPIOD_V1
    struct gpiod_line_event raw[16];
    unsigned int want = max_events < 16 ? max_events : 16;
    int count = gpiod_line_event_read_multiple(impl->lines[fd_index], raw, want);
    if (count < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        events[i].offset = impl->offsets[fd_index];
        events[i].active = raw[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE ? 1 : 0;
        events[i].timestamp_ns = (uint64_t)raw[i].ts.tv_sec * 1000000000ull + (uint64_t)raw[i].ts.tv_nsec;
        events[i].line_seqno = 0;
        events[i].global_seqno = 0;
    }
    return count;
#else
    size_t want = max_events < SMILEY_GPIO__EVENT_BUFFER_CAPACITY ? max_events : SMILEY_GPIO__EVENT_BUFFER_CAPACITY;
    int count = gpiod_line_request_read_edge_events(impl->request, impl->buffer, want);
    if (count < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(impl->buffer, (unsigned long)i);
        if (event == NULL)
            return -1;
        events[i].offset = gpiod_edge_event_get_line_offset(event);
        events[i].active = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE ? 1 : 0;
        events[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
        events[i].line_seqno = gpiod_edge_event_get_line_seqno(event);
        events[i].global_seqno = gpiod_edge_event_get_global_seqno(event);
    }
    return count;
#endif
}

/* ------------------------------------------------------------------------- */
/* Output requests                                                           */
/* ------------------------------------------------------------------------- */

static inline void smiley_gpio_output_release(struct smiley_gpio_output_request *request) {
    struct smiley_gpio__output_impl *impl = (struct smiley_gpio__output_impl *)request;
    if (impl == NULL)
        return;
    int saved = errno;
#ifdef SMILEY_GPIOD_V1
    if (impl->bulk.num_lines > 0 && gpiod_line_is_requested(impl->bulk.lines[0]))
        gpiod_line_release_bulk(&impl->bulk);
    if (impl->chip)
        gpiod_chip_close(impl->chip);
    free(impl->values);
#else
    if (impl->request)
        gpiod_line_request_release(impl->request);
#endif
    free(impl->offsets);
    free(impl);
    errno = saved;
}

/* Requests `num_lines` lines as push-pull outputs (active-high), driving
 * initial_values[i] (0/1; NULL = all 0) on offsets[i]. One fd in both series. */
static inline struct smiley_gpio_output_request *
smiley_gpio_request_output_lines(struct smiley_gpio_chip *chip, const unsigned int *offsets,
                                 const int *initial_values, unsigned int num_lines, const char *consumer) {
    struct smiley_gpio__chip_impl *chip_impl = (struct smiley_gpio__chip_impl *)chip;
    if (chip_impl == NULL || offsets == NULL || num_lines == 0) {
        errno = EINVAL;
        return NULL;
    }
    if (consumer == NULL)
        consumer = "smiley";
    if (smiley_gpio__check_offsets(chip_impl, offsets, num_lines) != 0)
        return NULL;
    struct smiley_gpio__output_impl *impl = (struct smiley_gpio__output_impl *)calloc(1, sizeof(*impl));
    if (impl == NULL)
        return NULL;
    impl->num_lines = num_lines;
    impl->offsets = (unsigned int *)calloc(num_lines, sizeof(unsigned int));
    if (impl->offsets == NULL)
        goto fail;
    memcpy(impl->offsets, offsets, num_lines * sizeof(unsigned int));

#ifdef SMILEY_GPIOD_V1
    if (num_lines > GPIOD_LINE_BULK_MAX_LINES) {
        errno = EINVAL;
        goto fail;
    }
    impl->values = (int *)calloc(num_lines, sizeof(int));
    if (impl->values == NULL)
        goto fail;
    for (unsigned int i = 0; i < num_lines; i++)
        impl->values[i] = initial_values && initial_values[i] ? 1 : 0;
    impl->chip = gpiod_chip_open(chip_impl->path);
    if (impl->chip == NULL)
        goto fail;
    gpiod_line_bulk_init(&impl->bulk);
    if (gpiod_chip_get_lines(impl->chip, impl->offsets, num_lines, &impl->bulk) != 0) {
        gpiod_line_bulk_init(&impl->bulk);
        goto fail;
    }
    if (gpiod_line_request_bulk_output(&impl->bulk, consumer, impl->values) != 0) {
        int saved = errno;
        gpiod_line_bulk_init(&impl->bulk);
        errno = saved;
        goto fail;
    }
#else
    {
        struct gpiod_line_settings *settings = gpiod_line_settings_new();
        struct gpiod_line_config *line_config = gpiod_line_config_new();
        struct gpiod_request_config *request_config = gpiod_request_config_new();
        int ok = settings && line_config && request_config;
        for (unsigned int i = 0; ok && i < num_lines; i++) {
            gpiod_line_settings_reset(settings);
            ok = gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) == 0 &&
                 gpiod_line_settings_set_drive(settings, GPIOD_LINE_DRIVE_PUSH_PULL) == 0 &&
                 gpiod_line_settings_set_output_value(settings, initial_values && initial_values[i]
                                                                    ? GPIOD_LINE_VALUE_ACTIVE
                                                                    : GPIOD_LINE_VALUE_INACTIVE) == 0 &&
                 gpiod_line_config_add_line_settings(line_config, &impl->offsets[i], 1, settings) == 0;
        }
        if (ok) {
            gpiod_request_config_set_consumer(request_config, consumer);
            impl->request = gpiod_chip_request_lines(chip_impl->chip, request_config, line_config);
            ok = impl->request != NULL;
        }
        int saved = errno;
        gpiod_line_settings_free(settings);
        gpiod_line_config_free(line_config);
        gpiod_request_config_free(request_config);
        errno = saved;
        if (!ok)
            goto fail;
    }
#endif
    return (struct smiley_gpio_output_request *)impl;

fail: {
        int saved = errno ? errno : EIO;
        smiley_gpio_output_release((struct smiley_gpio_output_request *)impl);
        errno = saved;
        return NULL;
    }
}

static inline int smiley_gpio__output_index(struct smiley_gpio__output_impl *impl, unsigned int offset) {
    for (unsigned int i = 0; i < impl->num_lines; i++)
        if (impl->offsets[i] == offset)
            return (int)i;
    errno = ENOENT;
    return -1;
}

/* Drives the requested output line at `offset` to `value` (0/1).
 * ENOENT if `offset` is not part of this request. */
static inline int smiley_gpio_output_set_value(struct smiley_gpio_output_request *request, unsigned int offset,
                                               int value) {
    struct smiley_gpio__output_impl *impl = (struct smiley_gpio__output_impl *)request;
    if (impl == NULL) {
        errno = EINVAL;
        return -1;
    }
    int index = smiley_gpio__output_index(impl, offset);
    if (index < 0)
        return -1;
#ifdef SMILEY_GPIOD_V1
    /* The v1 handle ioctl writes every line of the handle: send all values. */
    int previous = impl->values[index];
    impl->values[index] = value ? 1 : 0;
    if (gpiod_line_set_value_bulk(&impl->bulk, impl->values) != 0) {
        impl->values[index] = previous;
        return -1;
    }
    return 0;
#else
    return gpiod_line_request_set_value(impl->request, offset,
                                        value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
#endif
}

/* Current value (0/1) of the requested output line at `offset`, or -1. */
static inline int smiley_gpio_output_get_value(struct smiley_gpio_output_request *request, unsigned int offset) {
    struct smiley_gpio__output_impl *impl = (struct smiley_gpio__output_impl *)request;
    if (impl == NULL) {
        errno = EINVAL;
        return -1;
    }
    int index = smiley_gpio__output_index(impl, offset);
    if (index < 0)
        return -1;
#ifdef SMILEY_GPIOD_V1
    int v = gpiod_line_get_value(impl->bulk.lines[index]);
    return v < 0 ? -1 : (v ? 1 : 0);
#else
    enum gpiod_line_value v = gpiod_line_request_get_value(impl->request, offset);
    return v == GPIOD_LINE_VALUE_ERROR ? -1 : (v == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0);
#endif
}

#endif

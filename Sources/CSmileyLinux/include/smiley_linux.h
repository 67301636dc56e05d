#ifndef SMILEY_LINUX_H
#define SMILEY_LINUX_H

/* Linux calls Swift's Glibc module does not expose. Each returns -1 with errno set on failure. */

/* 1 when the kernel's clock is synchronised (adjtimex state is not TIME_ERROR), 0 when not, -1 on error. */
int smiley_clock_synchronised(void);

/* A CLOCK_MONOTONIC timerfd, non-blocking and close-on-exec. */
int smiley_timerfd_create(void);

/* Arms `fd` to fire once at the absolute CLOCK_MONOTONIC time `deadline_ns`; 0 disarms. */
int smiley_timerfd_arm(int fd, long long deadline_ns);

/* Reads (and so clears) the expiration count of a timerfd; 0 when it had not fired. */
long long smiley_timerfd_consume(int fd);

/* A non-blocking, close-on-exec eventfd used to wake a poll() loop. */
int smiley_eventfd_create(void);
int smiley_eventfd_signal(int fd);
/* Reads (and so clears) an eventfd's counter; 0 when it was not signalled. */
long long smiley_eventfd_consume(int fd);

/* Names the calling thread (at most 15 characters), as `ps -L` and /proc show it. */
int smiley_thread_set_name(const char *name);

/* Runs the calling thread under SCHED_FIFO at `priority` (1..99). */
int smiley_thread_set_fifo(int priority);

/* Sends `message` (for example "READY=1") to systemd's $NOTIFY_SOCKET, as sd_notify(3) does, without
 * libsystemd. Returns 1 when sent, 0 when $NOTIFY_SOCKET is not set (not run by systemd), -1 on error. */
int smiley_sd_notify(const char *message);

#endif

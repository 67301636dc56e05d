/* Stalls one thread of a running process, and only that one, for the systemd watchdog test
 * (packaging/systemd-guest.sh): the process's other threads go on, as when the button loop is wedged
 * in a driver call while the rest of the daemon still runs.
 *
 *   thread-stall PID THREAD_NAME SECONDS
 *
 * Finds the thread of PID named THREAD_NAME (/proc/PID/task/N/comm), attaches to it alone with
 * PTRACE_SEIZE and stops it with PTRACE_INTERRUPT (ptrace stops a single thread, unlike SIGSTOP), then
 * holds it for SECONDS or until the process is gone, and detaches. Prints the thread id on stdout once
 * it is stopped. Exit status: 0 when the thread was stopped, 1 with a message on stderr otherwise. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t find_thread(pid_t pid, const char *name) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *tasks = opendir(path);
    if (!tasks) return -1;
    pid_t found = -1;
    struct dirent *entry;
    while ((entry = readdir(tasks)) != NULL && found < 0) {
        if (entry->d_name[0] == '.') continue;
        char comm_path[384], comm[64] = {0};
        snprintf(comm_path, sizeof comm_path, "%s/%s/comm", path, entry->d_name);
        FILE *file = fopen(comm_path, "r");
        if (!file) continue;
        if (fgets(comm, sizeof comm, file)) {
            comm[strcspn(comm, "\n")] = 0;
            if (strcmp(comm, name) == 0) found = (pid_t)atoi(entry->d_name);
        }
        fclose(file);
    }
    closedir(tasks);
    return found;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: thread-stall PID THREAD_NAME SECONDS\n");
        return 1;
    }
    pid_t pid = (pid_t)atoi(argv[1]);
    int seconds = atoi(argv[3]);
    pid_t tid = find_thread(pid, argv[2]);
    if (tid < 0) {
        fprintf(stderr, "thread-stall: process %s has no thread named '%s'\n", argv[1], argv[2]);
        return 1;
    }
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0 || ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
        fprintf(stderr, "thread-stall: cannot stop thread %d: %s\n", (int)tid, strerror(errno));
        return 1;
    }
    int status = 0;
    if (waitpid(tid, &status, __WALL) != tid || !WIFSTOPPED(status)) {
        fprintf(stderr, "thread-stall: thread %d did not stop\n", (int)tid);
        return 1;
    }
    printf("%d\n", (int)tid);
    fflush(stdout);
    /* While held, the thread stays stopped: any further stop or signal is not resumed here. A killed
     * process reaps the thread (waitpid then reports it gone), which ends the hold early. */
    time_t until = time(NULL) + seconds;
    while (time(NULL) < until) {
        pid_t got = waitpid(tid, &status, __WALL | WNOHANG);
        if (got == tid && (WIFEXITED(status) || WIFSIGNALED(status))) return 0;
        if (got < 0 && errno == ECHILD) return 0;
        usleep(100 * 1000);
    }
    ptrace(PTRACE_DETACH, tid, NULL, NULL);
    return 0;
}

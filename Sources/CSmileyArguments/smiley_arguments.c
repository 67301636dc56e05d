#include "smiley_arguments.h"

#include <stddef.h>

/* The Swift runtime's override of CommandLine's argc and argv (stdlib/public/CommandLineSupport/
 * CommandLine.cpp), exported for the interpreter; it is checked before the /proc-based lookup. */
extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) __attribute__((swiftcall));

/* glibc calls the program's constructors with (argc, argv, envp), the vector the kernel laid out. */
__attribute__((constructor)) static void smiley_capture_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc <= 0 || argv == NULL) return;
    _swift_stdlib_overrideUnsafeArgvArgc(argv, argc);
}

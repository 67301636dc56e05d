#ifndef SMILEY_ARGUMENTS_H
#define SMILEY_ARGUMENTS_H

/* Linking this target into an executable makes Swift's CommandLine.arguments hold the process's real
 * arguments even where /proc is not mounted.
 *
 * Swift's runtime on Linux finds argv by reading /proc/self/maps (to locate the initial stack and walk
 * back from `environ`). In a chroot, an image build or a sandbox without /proc it finds nothing, so
 * CommandLine.arguments is empty: `smiley-device --version` printed the help and `smiley-hub --version`
 * started the server (its default subcommand). glibc passes argc and argv to the program's constructors;
 * the constructor in smiley_arguments.c hands them to the runtime before `main` runs.
 *
 * Nothing needs calling: the header only makes the target a module. */

#endif

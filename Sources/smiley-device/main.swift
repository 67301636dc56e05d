import ArgumentParser
import NIOCore
import NIOPosix

// Swift concurrency's jobs run on NIO's event loop threads, the threads the device's timers
// (`EventLoopClock`) already live on, instead of libdispatch's worker pool, whose upkeep wakes an
// idle process every second (docs/BENCHMARKS.md, "An idle device's wake-ups"). Done first, before
// any task runs.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
await runCommand()

/// ArgumentParser's async entry point (top-level code would pick its synchronous overload).
func runCommand() async { await SmileyDeviceCommand.main() }

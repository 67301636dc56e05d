import CSmileyLinux
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// The real clocks of a Linux device.
public struct SystemClock: DeviceClock {
    public init() {}

    public func monotonicNanos() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    public func wallClockMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// `adjtimex` reports `TIME_ERROR` while the kernel's clock is not synchronised (no NTP yet).
    public func isSynchronised() -> Bool {
        smiley_clock_synchronised() == 1
    }
}

/// The identity of the running kernel boot; a new one after every power cut or reboot.
public enum BootIdentity {
    public static func current() -> String {
        if let text = try? readSmallFile("/proc/sys/kernel/random/boot_id") {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { return trimmed }
        }
        return "unknown-boot"
    }
}

func readSmallFile(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else { throw SystemError(operation: "open \(path)", errno: errno) }
    defer { fclose(file) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = fread(&buffer, 1, buffer.count, file)
    return String(decoding: buffer[0..<count], as: UTF8.self)
}

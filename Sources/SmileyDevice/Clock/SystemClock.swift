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
    public static let kernelPath = "/proc/sys/kernel/random/boot_id"

    /// Stands in for the kernel's boot id when it cannot be read: drawn once per process start, so
    /// the hub never mistakes two boots for one (a constant would merge their clock offsets). A
    /// restart within one boot then looks like a new boot, which only costs the hub an offset.
    public static let fallback = UUID().uuidString.lowercased()

    public static func current(path: String = kernelPath) -> String {
        read(path: path) ?? fallback
    }

    /// The boot id in `path`, or nil when it cannot be read.
    public static func read(path: String = kernelPath) -> String? {
        guard let text = try? readSmallFile(path) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

func readSmallFile(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else { throw SystemError(operation: "open \(path)", errno: errno) }
    defer { fclose(file) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = fread(&buffer, 1, buffer.count, file)
    return String(decoding: buffer[0..<count], as: UTF8.self)
}

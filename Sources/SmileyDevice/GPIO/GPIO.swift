import CGPIOD
import Foundation

// Every libgpiod call of the project goes through this file (via the CGPIOD shim, which hides the
// differences between libgpiod 1.6 and 2.x). Failures become `GPIOError`s carrying the operation and
// errno, with words a technician can act on.

/// A GPIO failure: what was attempted, on which chip and line, and the errno it ended with.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var chip: String?
    public var line: String?
    public var errno: Int32
    /// The consumer holding a busy line, when known.
    public var holder: String?

    public init(operation: String, chip: String?, line: String?, errno: Int32, holder: String? = nil) {
        self.operation = operation
        self.chip = chip
        self.line = line
        self.errno = errno
        self.holder = holder
    }

    public var description: String {
        let place = [line.map { "line \($0)" }, chip.map { "on \($0)" }].compactMap { $0 }.joined(separator: " ")
        switch errno {
        case EBUSY:
            let who = holder.map { $0.isEmpty ? "another process" : "'\($0)'" } ?? "another process"
            return "\(place) is busy: held by \(who) (\(operation))"
        case ENOENT where operation == "find line":
            return "no line named \(line ?? "?") on \(chip ?? "any chip")"
        case ENOENT:
            return "\(operation): \(place.isEmpty ? "no such chip or line" : "\(place) does not exist")"
        case EACCES, EPERM:
            return "\(operation) \(place): permission denied (is the user in the gpio group?)"
        default:
            return "\(operation) \(place) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }
}

/// Which libgpiod this binary was built against, and which library it runs with.
public enum GPIOLibrary {
    public static var apiMajor: Int { Int(smiley_gpiod_api_major()) }
    public static var version: String { String(cString: smiley_gpiod_version_string()) }
}

/// One open GPIO chip.
public final class GPIOChip {
    let handle: OpaquePointer

    /// Opens a chip by path (`/dev/gpiochip0`), name (`gpiochip0`) or label (`pinctrl-rp1`).
    public init(_ spec: String) throws(GPIOError) {
        guard let handle = smiley_gpio_chip_open_lookup(spec) else {
            throw GPIOError(operation: "open chip", chip: spec, line: nil, errno: errno)
        }
        self.handle = handle
    }

    deinit { smiley_gpio_chip_close(handle) }

    public var path: String { String(cString: smiley_gpio_chip_path(handle)) }
    public var name: String { String(cString: smiley_gpio_chip_name(handle)) }
    public var label: String { String(cString: smiley_gpio_chip_label(handle)) }
    public var lineCount: Int { Int(smiley_gpio_chip_num_lines(handle)) }

    /// Paths of every GPIO chip on this machine, in chip-number order.
    public static func allPaths() -> [String] {
        guard let list = smiley_gpio_chip_list_new() else { return [] }
        defer { smiley_gpio_chip_list_free(list) }
        return (0..<smiley_gpio_chip_list_count(list)).compactMap { index in
            smiley_gpio_chip_list_path(list, index).map { String(cString: $0) }
        }
    }

    /// The offset of a line given by name (`GPIO5`) or offset (`5`).
    public func offset(of line: String) throws(GPIOError) -> UInt32 {
        if let offset = UInt32(line) {
            guard Int(offset) < lineCount else {
                throw GPIOError(operation: "find line", chip: name, line: line, errno: ENOENT)
            }
            return offset
        }
        let offset = smiley_gpio_chip_find_line(handle, line)
        guard offset >= 0 else { throw GPIOError(operation: "find line", chip: name, line: line, errno: errno) }
        return UInt32(offset)
    }

    public struct LineInfo: Sendable, Hashable {
        public var offset: UInt32
        public var name: String
        public var consumer: String
        public var used: Bool
        public var output: Bool
    }

    public func info(offset: UInt32) throws(GPIOError) -> LineInfo {
        var info = smiley_gpio_line_info()
        guard smiley_gpio_chip_line_info(handle, offset, &info) == 0 else {
            throw GPIOError(operation: "read line info", chip: name, line: "\(offset)", errno: errno)
        }
        let name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let consumer = withUnsafeBytes(of: info.consumer) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return LineInfo(offset: offset, name: name, consumer: consumer, used: info.used != 0, output: info.output != 0)
    }
}

/// Input lines with both-edge events: what the buttons are read through.
public final class GPIOInputLines: @unchecked Sendable {
    let handle: OpaquePointer
    public let chipName: String

    public struct Line: Sendable, Hashable {
        public var offset: UInt32
        public var bias: ButtonConfiguration.Bias
        public var activeLow: Bool

        public init(offset: UInt32, bias: ButtonConfiguration.Bias, activeLow: Bool) {
            self.offset = offset
            self.bias = bias
            self.activeLow = activeLow
        }
    }

    public init(chip: GPIOChip, lines: [Line], consumer: String) throws(GPIOError) {
        let specs = lines.map { line in
            smiley_gpio_input_line(
                offset: line.offset,
                bias: {
                    switch line.bias {
                    case .asIs: SMILEY_GPIO_BIAS_AS_IS
                    case .disabled: SMILEY_GPIO_BIAS_DISABLED
                    case .pullUp: SMILEY_GPIO_BIAS_PULL_UP
                    case .pullDown: SMILEY_GPIO_BIAS_PULL_DOWN
                    }
                }(),
                active_low: line.activeLow ? 1 : 0)
        }
        guard let handle = smiley_gpio_request_input_lines(chip.handle, specs, UInt32(specs.count), consumer) else {
            let lineList = lines.map { "\($0.offset)" }.joined(separator: ",")
            throw GPIOError(operation: "request input lines", chip: chip.name, line: lineList, errno: errno)
        }
        self.handle = handle
        self.chipName = chip.name
    }

    deinit { smiley_gpio_input_release(handle) }

    public var fileDescriptors: [Int32] {
        (0..<smiley_gpio_input_num_fds(handle)).map { smiley_gpio_input_fd(handle, $0) }
    }

    /// Current logical levels (true = active), in request order.
    public func values() throws(GPIOError) -> [Bool] {
        let count = Int(smiley_gpio_input_num_lines(handle))
        var values = [Int32](repeating: 0, count: count)
        guard smiley_gpio_input_get_values(handle, &values, UInt32(count)) == 0 else {
            throw GPIOError(operation: "read line values", chip: chipName, line: nil, errno: errno)
        }
        return values.map { $0 != 0 }
    }

    public struct Event: Sendable, Hashable {
        public var offset: UInt32
        public var active: Bool
        public var timestampNanos: Int64
        /// 0 when the library cannot tell (libgpiod 1.6).
        public var lineSequence: UInt64
    }

    /// Reads the pending events of descriptor `index` in bulk. Call only when poll() said readable.
    public func readEvents(fdIndex: Int, into buffer: inout [smiley_gpio_event]) throws(GPIOError) -> [Event] {
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            smiley_gpio_input_read_events(handle, UInt32(fdIndex), pointer.baseAddress, UInt32(pointer.count))
        }
        guard count >= 0 else { throw GPIOError(operation: "read events", chip: chipName, line: nil, errno: errno) }
        return buffer.prefix(Int(count)).map { event in
            Event(
                offset: event.offset, active: event.active != 0, timestampNanos: Int64(event.timestamp_ns),
                lineSequence: event.line_seqno)
        }
    }
}

/// Output lines: the acknowledgement LEDs and the buzzer.
public final class GPIOOutputLines: @unchecked Sendable {
    let handle: OpaquePointer
    let chipName: String
    let lock = NSLock()

    public init(chip: GPIOChip, offsets: [UInt32], consumer: String) throws(GPIOError) {
        guard let handle = smiley_gpio_request_output_lines(chip.handle, offsets, nil, UInt32(offsets.count), consumer)
        else {
            throw GPIOError(
                operation: "request output lines", chip: chip.name,
                line: offsets.map { "\($0)" }.joined(separator: ","), errno: errno)
        }
        self.handle = handle
        self.chipName = chip.name
    }

    deinit { smiley_gpio_output_release(handle) }

    public func set(offset: UInt32, on: Bool) throws(GPIOError) {
        let result = lock.withLock { smiley_gpio_output_set_value(handle, offset, on ? 1 : 0) }
        guard result == 0 else {
            throw GPIOError(operation: "set output", chip: chipName, line: "\(offset)", errno: errno)
        }
    }
}

/// Finds a configured line: on the named chip, or else on the first chip that has it.
public func locateLine(chip: String?, line: String) throws(GPIOError) -> (chip: GPIOChip, offset: UInt32) {
    if let chip {
        let opened = try GPIOChip(chip)
        return (opened, try opened.offset(of: line))
    }
    for path in GPIOChip.allPaths() {
        guard let opened = try? GPIOChip(path) else { continue }
        if UInt32(line) == nil, let offset = try? opened.offset(of: line) { return (opened, offset) }
    }
    throw GPIOError(operation: "find line", chip: nil, line: line, errno: ENOENT)
}

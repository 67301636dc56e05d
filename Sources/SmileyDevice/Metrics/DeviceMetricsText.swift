import Foundation
import SmileyCore

/// The device's figures at one heartbeat, for node_exporter's textfile collector.
public struct DeviceFigures: Sendable, Hashable {
    public var device: DeviceID
    public var centre: CentreID
    public var firmwareVersion: String
    /// When these figures were taken (the device's wall clock).
    public var nowMillis: Int64
    /// The highest sequence number the store ever assigned: presses stored since the store was made.
    public var pressesStored: Int64
    /// Presses flagged suppressed (within the response interval) since the daemon started.
    public var pressesSuppressedSinceStart: Int
    public var setAside: Int
    public var stuckLines: [String]
    public var lostGPIOEvents: Int
    public var backlog: Int
    /// When the oldest press not yet at the hub was recorded.
    public var oldestUnsentMillis: Int64?
    /// When the hub last acknowledged a batch (the device's clock), if ever.
    public var lastUploadMillis: Int64?
    /// presses.sqlite with its -wal and -shm files.
    public var storageBytes: Int64
    public var freeDiskBytes: Int64

    public init(
        device: DeviceID, centre: CentreID, firmwareVersion: String = SmileyVersion.current, nowMillis: Int64,
        pressesStored: Int64, pressesSuppressedSinceStart: Int, setAside: Int, stuckLines: [String],
        lostGPIOEvents: Int, backlog: Int, oldestUnsentMillis: Int64?, lastUploadMillis: Int64?, storageBytes: Int64,
        freeDiskBytes: Int64
    ) {
        self.device = device
        self.centre = centre
        self.firmwareVersion = firmwareVersion
        self.nowMillis = nowMillis
        self.pressesStored = pressesStored
        self.pressesSuppressedSinceStart = pressesSuppressedSinceStart
        self.setAside = setAside
        self.stuckLines = stuckLines
        self.lostGPIOEvents = lostGPIOEvents
        self.backlog = backlog
        self.oldestUnsentMillis = oldestUnsentMillis
        self.lastUploadMillis = lastUploadMillis
        self.storageBytes = storageBytes
        self.freeDiskBytes = freeDiskBytes
    }
}

/// Renders `DeviceFigures` in the Prometheus text exposition format (version 0.0.4). Pure: the same
/// figures always give the same text.
public enum DeviceMetricsText {
    /// The file node_exporter reads in the configured directory.
    public static let fileName = "smiley-device.prom"

    public static func render(_ figures: DeviceFigures) -> String {
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        func one(_ name: String, _ type: String, _ help: String, _ value: String) {
            metric(name, type, help, [("", value)])
        }
        func one(_ name: String, _ type: String, _ help: String, _ value: some BinaryInteger) {
            metric(name, type, help, [("", "\(value)")])
        }
        let seconds = { (millis: Int64) in Self.decimal(millis) }
        metric(
            "smiley_device_info", "gauge", "The device, its centre and its firmware version (always 1).",
            [
                (
                    labels(
                        ("device", figures.device.rawValue), ("centre", figures.centre.rawValue),
                        ("version", figures.firmwareVersion)), "1"
                )
            ])
        one(
            "smiley_device_presses_stored_total", "counter",
            "Presses stored in the device's SQLite file since it was made (its highest sequence number).",
            figures.pressesStored)
        one(
            "smiley_device_presses_suppressed_total", "counter",
            "Presses flagged suppressed (within the response interval) since the daemon started.",
            figures.pressesSuppressedSinceStart)
        one(
            "smiley_device_presses_set_aside", "gauge", "Presses the hub refused by name, kept on the device.",
            figures.setAside)
        one(
            "smiley_device_stuck_lines", "gauge", "Button lines held longer than stuckAfterMillis now.",
            figures.stuckLines.count)
        metric(
            "smiley_device_line_stuck", "gauge", "1 for each button line stuck now (by line name).",
            figures.stuckLines.map { (labels(("line", $0)), "1") })
        one(
            "smiley_device_gpio_events_lost_total", "counter",
            "GPIO edge events the kernel dropped since the daemon started (libgpiod 2.x only).", figures.lostGPIOEvents)
        one("smiley_device_backlog_presses", "gauge", "Presses stored but not yet at the hub.", figures.backlog)
        one(
            "smiley_device_backlog_age_seconds", "gauge",
            "Age of the oldest press not yet at the hub (0 when none waits).",
            figures.oldestUnsentMillis.map { seconds(max(0, figures.nowMillis - $0)) } ?? "0")
        if let last = figures.lastUploadMillis {
            metric(
                "smiley_device_last_upload_timestamp_seconds", "gauge",
                "When the hub last acknowledged a batch (Unix time, the device's clock); absent if never.",
                [("", seconds(last))])
        }
        one(
            "smiley_device_storage_bytes", "gauge", "Size of the press store (presses.sqlite, -wal and -shm).",
            figures.storageBytes)
        one(
            "smiley_device_free_disk_bytes", "gauge", "Free bytes on the file system of the state directory.",
            figures.freeDiskBytes)
        one(
            "smiley_device_metrics_timestamp_seconds", "gauge",
            "When the device wrote this file (Unix time, its clock).", seconds(figures.nowMillis))
        return text
    }

    /// Milliseconds as decimal seconds, exactly (no binary floating point on the way).
    static func decimal(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : ""
        let magnitude = millis.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// `{name="value",...}` with the format's escapes (backslash, double quote, newline).
    static func labels(_ pairs: (String, String)...) -> String {
        let body = pairs.map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\""
            )
            .replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(escaped)\""
        }
        return "{\(body.joined(separator: ","))}"
    }
}

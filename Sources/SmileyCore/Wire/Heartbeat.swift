/// `POST /api/v1/heartbeat`: a device's health, sent every few minutes whether or not anyone pressed.
public struct Heartbeat: Sendable, Hashable, Codable {
    public var device: DeviceID
    public var centre: CentreID
    public var firmwareVersion: String
    public var uptimeSeconds: Int64
    /// Presses stored but not yet acknowledged by the hub, and when the oldest of them was recorded.
    public var backlog: Int
    public var oldestUnsentMillis: Int64?
    public var lastPressMillis: Int64?
    public var clock: ClockSample
    /// Lines of buttons held past the stuck limit right now.
    public var stuckLines: [String]
    /// GPIO events the kernel dropped since the daemon started (libgpiod 2.x only).
    public var lostGPIOEvents: Int
    public var freeDiskBytes: Int64
    /// Raised when the store nears or passes its budget (see docs/device-config.md).
    public var storageWarning: String?
    /// Presses the hub refused by name, kept on the device. Absent when there are none, and optional
    /// so that hubs and devices from before it still understand each other.
    public var setAside: SetAsideReport?

    public init(
        device: DeviceID, centre: CentreID, firmwareVersion: String, uptimeSeconds: Int64, backlog: Int,
        oldestUnsentMillis: Int64?, lastPressMillis: Int64?, clock: ClockSample, stuckLines: [String],
        lostGPIOEvents: Int, freeDiskBytes: Int64, storageWarning: String?, setAside: SetAsideReport? = nil
    ) {
        self.device = device
        self.centre = centre
        self.firmwareVersion = firmwareVersion
        self.uptimeSeconds = uptimeSeconds
        self.backlog = backlog
        self.oldestUnsentMillis = oldestUnsentMillis
        self.lastPressMillis = lastPressMillis
        self.clock = clock
        self.stuckLines = stuckLines
        self.lostGPIOEvents = lostGPIOEvents
        self.freeDiskBytes = freeDiskBytes
        self.storageWarning = storageWarning
        self.setAside = setAside
    }
}

/// The version every binary reports.
public enum SmileyVersion {
    public static let current = "0.1.0"
}

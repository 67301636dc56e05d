import SmileyCore

/// The figures read from the database when `/metrics` is scraped: what is true now, not what happened.
public struct HubFigures: Sendable, Hashable {
    public struct DeviceFigures: Sendable, Hashable {
        public var centre: CentreID
        public var device: DeviceID
        /// Seconds since its latest heartbeat arrived (nil: none yet).
        public var heartbeatAgeSeconds: Double?
        /// Presses it had not yet sent at its latest heartbeat.
        public var backlog: Int?
        /// Whole opening hours since its latest press (or since it was added).
        public var openHoursSinceLastPress: Int
        /// No heartbeat for 15 minutes while its centre is open.
        public var offline: Bool
    }

    public var devices: [DeviceFigures] = []
    /// Devices that sent a batch or a heartbeat within the last hour.
    public var devicesSeenLastHour = 0
    /// Centre id -> open at this hour by its opening hours and holidays.
    public var centresOpen: [CentreID: Bool] = [:]
    /// Alert kind -> open alerts.
    public var alertsOpen: [String: Int] = [:]
    /// The database's main file and its write-ahead log, in bytes.
    public var databaseBytes: Int64 = 0
    public var walBytes: Int64 = 0

    public init() {}
}

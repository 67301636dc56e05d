import SmileyCore

/// The fields of a device's last heartbeat that every device's health needs (the alert rules and
/// `/metrics`), kept as columns beside the heartbeat's JSON so that reading them decodes nothing.
public struct HeartbeatSummary: Sendable, Hashable {
    public var receivedMillis: Int64
    public var backlog: Int
    public var stuckLines: [String]
    public var storageWarning: String?

    public init(receivedMillis: Int64, backlog: Int, stuckLines: [String], storageWarning: String?) {
        self.receivedMillis = receivedMillis
        self.backlog = backlog
        self.stuckLines = stuckLines
        self.storageWarning = storageWarning
    }

    /// The summary of a heartbeat as received.
    public init(_ heartbeat: Heartbeat, receivedMillis: Int64) {
        self.init(
            receivedMillis: receivedMillis, backlog: heartbeat.backlog, stuckLines: heartbeat.stuckLines,
            storageWarning: heartbeat.storageWarning)
    }
}

/// What a manager needs to know about one device: is it alive, is anyone pressing, is anything wrong.
public struct DeviceHealth: Sendable, Hashable {
    public let device: DeviceID
    public let firstSeenMillis: Int64
    /// The whole last heartbeat, for pages that show it (`CentreReader.deviceHealth(of:calendar:)`); nil
    /// when none arrived, and also when the health was read from the summaries alone
    /// (`HubDatabase.deviceHealth(of:nowMillis:calendar:)`): look at `summary` to know whether one arrived.
    public let heartbeat: Heartbeat?
    /// The last heartbeat's fields every device's health needs; nil when none arrived (or none is readable).
    public let summary: HeartbeatSummary?
    public let heartbeatReceivedMillis: Int64?
    public let lastPressMillis: Int64?
    /// No heartbeat for three intervals (15 minutes) while the centre is open.
    public let offline: Bool
    /// Heartbeats arrive but no press for at least `silentAfterOpenHours` opening hours: a button or wiring fault.
    public let silent: Bool
    /// Opening hours since the last press (bounded to two weeks of hours).
    public let openHoursSinceLastPress: Int

    /// A device heartbeats every 5 minutes; three missed make it offline.
    public static let offlineAfterMillis: Int64 = 3 * 5 * 60_000
    public static let silentAfterOpenHours = 2

    init(
        device: DeviceID, firstSeenMillis: Int64, heartbeat: Heartbeat?, heartbeatReceivedMillis: Int64?,
        lastPressMillis: Int64?,
        nowMillis: Int64, calendar: OpeningCalendar, bucketer: HourBucketer
    ) {
        let summary = heartbeat.flatMap { beat in
            heartbeatReceivedMillis.map { HeartbeatSummary(beat, receivedMillis: $0) }
        }
        self.init(
            device: device, firstSeenMillis: firstSeenMillis, heartbeat: heartbeat, summary: summary,
            heartbeatReceivedMillis: heartbeatReceivedMillis, lastPressMillis: lastPressMillis, nowMillis: nowMillis,
            calendar: calendar, bucketer: bucketer)
    }

    /// The health from the last heartbeat's summary alone (`heartbeat` is nil).
    init(
        device: DeviceID, firstSeenMillis: Int64, summary: HeartbeatSummary?, lastPressMillis: Int64?,
        nowMillis: Int64, calendar: OpeningCalendar, bucketer: HourBucketer
    ) {
        self.init(
            device: device, firstSeenMillis: firstSeenMillis, heartbeat: nil, summary: summary,
            heartbeatReceivedMillis: summary?.receivedMillis, lastPressMillis: lastPressMillis, nowMillis: nowMillis,
            calendar: calendar, bucketer: bucketer)
    }

    private init(
        device: DeviceID, firstSeenMillis: Int64, heartbeat: Heartbeat?, summary: HeartbeatSummary?,
        heartbeatReceivedMillis: Int64?, lastPressMillis: Int64?,
        nowMillis: Int64, calendar: OpeningCalendar, bucketer: HourBucketer
    ) {
        self.device = device
        self.firstSeenMillis = firstSeenMillis
        self.heartbeat = heartbeat
        self.summary = summary
        self.heartbeatReceivedMillis = heartbeatReceivedMillis
        self.lastPressMillis = lastPressMillis
        let nowHour = bucketer.localHour(ofMillis: nowMillis)
        let openNow = calendar.isOpen(date: nowHour.date, hour: nowHour.hour)
        let heartbeatAge = heartbeatReceivedMillis.map { nowMillis - $0 }
        self.offline = openNow && (heartbeatAge ?? .max) > Self.offlineAfterMillis
        // Count whole opening hours that passed since the last press (or since the device was first seen).
        let since = lastPressMillis ?? firstSeenMillis
        var openHours = 0
        var cursor = since - since % 3_600_000 + 3_600_000
        let limit = 14 * 24
        var steps = 0
        while cursor + 3_600_000 <= nowMillis && steps < limit {
            let hour = bucketer.localHour(ofMillis: cursor)
            if calendar.isOpen(date: hour.date, hour: hour.hour) { openHours += 1 }
            cursor += 3_600_000
            steps += 1
        }
        self.openHoursSinceLastPress = openHours
        self.silent =
            !offline && heartbeatAge.map { $0 <= Self.offlineAfterMillis } == true
            && openHours >= Self.silentAfterOpenHours
    }
}

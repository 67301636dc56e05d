import SmileyCore

/// What a manager needs to know about one device: is it alive, is anyone pressing, is anything wrong.
public struct DeviceHealth: Sendable, Hashable {
    public let device: DeviceID
    public let firstSeenMillis: Int64
    public let heartbeat: Heartbeat?
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
        self.device = device
        self.firstSeenMillis = firstSeenMillis
        self.heartbeat = heartbeat
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

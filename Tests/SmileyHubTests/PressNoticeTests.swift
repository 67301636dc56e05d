import Logging
import PostgresNIO
import SmileyCore
import Synchronization
import Testing

@testable import SmileyHub

/// The press notes' pure parts: what a payload names, and when the listener connects again.
struct PressNoticeTests {
    @Test func aPayloadNamesACentreOrIsRefusedNamingIt() throws {
        #expect(try PressNotice.centre(fromPayload: "wangdue-dcrc") == CentreID(rawValue: "wangdue-dcrc"))
        #expect(try PressNotice.centre(fromPayload: "p2_x") == CentreID(rawValue: "p2_x"))
        for bad in [
            "", "Wangdue", "-dcrc", "paro dcrc", "paro\ndcrc", "x'; DROP TABLE press",
            String(repeating: "a", count: 65),
        ] {
            #expect(throws: PressNotice.BadPayload(payload: bad)) { try PressNotice.centre(fromPayload: bad) }
        }
        let message = PressNotice.BadPayload(payload: "paro\ndcrc").description
        #expect(message.contains(#"'paro\ndcrc'"#) && message.contains("not a centre id") && !message.contains("\n"))
        let long = PressNotice.BadPayload(payload: String(repeating: "x", count: 8000)).description
        #expect(long.count < 300, "a long payload is cut in the log")
    }

    @Test func aListenerCatchesUpFromItsFirstLossLessTheClockAllowanceAndOnlyAfterALoss() {
        var missed = MissedPressNotes()
        #expect(missed.catchUpFromMillis == nil, "a hub's first connection has nothing to catch up")
        missed.stoppedListening(atMillis: 1_000_000)
        #expect(missed.catchUpFromMillis == 940_000, "60 s before the loss")
        // Attempts that fail, and a connection lost again before catching up, keep the gap's start.
        missed.stoppedListening(atMillis: 1_030_000)
        #expect(missed.sinceMillis == 1_000_000 && missed.catchUpFromMillis == 940_000)
        missed.caughtUp()
        #expect(missed.catchUpFromMillis == nil)
        missed.stoppedListening(atMillis: 2_000_000)
        #expect(missed.catchUpFromMillis == 1_940_000, "the next gap starts at its own loss")
        var strict = MissedPressNotes(clockAllowanceMillis: 0)
        strict.stoppedListening(atMillis: 5)
        #expect(strict.catchUpFromMillis == 5)
    }

    @Test func theScheduleDoublesFromHalfASecondToThirtySecondsAndStartsAgainAfterListening() {
        var schedule = ListenerReconnectSchedule()
        var now: Int64 = 1_000_000
        var waits: [Int64] = []
        for _ in 0..<9 {
            let next = schedule.lost(atMillis: now)
            waits.append(next - now)
            now = next + 7  // the attempt fails a little after it was due
        }
        #expect(waits == [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
        #expect(schedule.failures == 9)
        schedule.listening()
        #expect(schedule.lost(atMillis: now) == now + 500)
        #expect(schedule.lost(atMillis: now) == now + 1000)

        var quick = ListenerReconnectSchedule(firstDelayMillis: 100, maximumDelayMillis: 250)
        #expect((0..<4).map { _ in quick.lost(atMillis: 0) } == [100, 200, 250, 250])
        // Many failures in a row never overflow.
        #expect(ListenerReconnectSchedule().delayMillis(afterFailures: 10_000) == 30_000)
    }

    /// The listener itself against a PostgreSQL that is not there (a socket path with no server): every
    /// attempt fails, and it waits by the schedule between them, by the injected clock and sleep.
    @Test func theListenerWaitsByTheScheduleWhileItCannotConnect() async throws {
        /// The test's clock and the waits the listener asked for; each wait moves the clock, as time would.
        final class Time: Sendable {
            let now = Mutex<Int64>(5_000)
            let waits = Mutex<[Duration]>([])
        }
        let time = Time()
        let logs = LogCapture()
        let listener = PressNotificationListener(
            configuration: PostgresConnection.Configuration(
                unixSocketPath: "/nonexistent-smiley-test/.s.PGSQL.5432", username: "nobody", password: nil,
                database: "none"),
            feed: PressFeed(), clock: HubClock { time.now.withLock { $0 } }, logger: logs.logger
        ) { wait in
            let count = time.waits.withLock {
                $0.append(wait)
                return $0.count
            }
            time.now.withLock { $0 += Int64(wait / .milliseconds(1)) }
            if count == 5 { throw CancellationError() }
        }
        await #expect(throws: CancellationError.self) { try await listener.listenUntilCancelled() }
        #expect(time.waits.withLock { $0 } == [500, 1000, 2000, 4000, 8000].map { .milliseconds($0) })
        let warnings = logs.all.filter {
            $0.contains("the press listener is not listening: cannot connect to PostgreSQL")
        }
        #expect(warnings.count == 5 && warnings[0].contains("connecting again in 500 ms"))
        #expect(
            warnings.allSatisfy { $0.contains("open pages are told about presses of the gap once it listens again") })
    }

    /// What the listener hears goes into the feed; a payload that is not a centre is logged and left out.
    @Test func theListenerPublishesGoodPayloadsAndLogsBadOnes() async throws {
        let feed = PressFeed()
        let logs = LogCapture()
        let listener = PressNotificationListener(
            configuration: PostgresConnection.Configuration(
                unixSocketPath: "/nonexistent-smiley-test/.s.PGSQL.5432", username: "nobody", password: nil,
                database: "none"),
            feed: feed, logger: logs.logger)
        let stream = try #require(await feed.subscribe())
        for payload in ["paro-dcrc", "", "Not a centre", "wangdue-dcrc"] { await listener.receive(payload) }
        // A last centre published straight into the feed ends the reading, whatever the listener let through.
        let end = try #require(CentreID(rawValue: "end-of-test"))
        await feed.publish(end)
        var heard: [CentreID] = []
        for await centre in stream {
            if centre == end { break }
            heard.append(centre)
        }
        #expect(heard.map(\.rawValue) == ["paro-dcrc", "wangdue-dcrc"])
        #expect(logs.all.filter { $0.contains("which is not a centre id") }.count == 2)
        #expect(await feed.subscriberCount <= 1)
    }

    @Test func theListenerNamesItselfToPostgreSQL() {
        let listener = PressNotificationListener(
            configuration: PostgresConnection.Configuration(
                unixSocketPath: "/nonexistent/.s.PGSQL.5432", username: "u", password: nil, database: "d"),
            feed: PressFeed(), logger: Logger(label: "test"))
        #expect(
            listener.configuration.options.additionalStartupParameters.contains {
                $0.0 == "application_name" && $0.1 == PressNotificationListener.applicationName
            })
    }
}

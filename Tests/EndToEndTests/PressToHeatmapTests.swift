import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import SmileyCore
import SmileyDevice
import SmileyHub
import Testing

/// A citizen's press travels from a (simulated) button through the real device pipeline and real
/// HTTP on loopback into the hub's heatmap, in the right centre, weekday, hour and answer.
@Suite struct PressToHeatmapTests {
    static let thimphu = CentreID(rawValue: "thimphu-dcrc")!
    static let device = DeviceID(rawValue: "thimphu-exit-1")!

    /// Milliseconds since 1970 of a wall-clock time in Bhutan (UTC+6, no daylight saving).
    static func bhutan(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Thimphu")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    @Test func knownPressesLandInExactlyTheirCellsAndARepeatedBatchChangesNothing() async throws {
        try await withHub { hub in
            let configuration = DeviceConfiguration(
                device: Self.device, centre: Self.thimphu, hub: hub.url, stateDirectory: hub.directory + "/device",
                simulation: SimulationSettings())
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
            let clock = SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 0, 0))
            let button = { (answer: Answer) in configuration.buttons.firstIndex { $0.answer == answer }! }
            // Monday 2 November 2026 is a Monday; 5 November is a Thursday.
            let presses: [(Answer, Int64)] = [
                (.veryHappy, Self.bhutan(2026, 11, 2, 9, 15)),
                (.easy, Self.bhutan(2026, 11, 2, 9, 16)),
                (.happy, Self.bhutan(2026, 11, 2, 9, 40)),
                (.unhappy, Self.bhutan(2026, 11, 3, 14, 5)),
                // 03:10 in Thimphu is still Wednesday in UTC: the centre's zone must decide.
                (.veryUnhappy, Self.bhutan(2026, 11, 5, 3, 10)),
            ]
            let steps = presses.map { answer, millis in
                PressScript.Step(
                    button: button(answer), atNanos: clock.monotonicNanos(atWallClock: millis), bounces: 3)
            }
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
                configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            let recorder = device.recorder(clock: clock, boot: "test-boot")
            try await source.run { output in try recorder.handle(output) }
            #expect(try device.store.summary().total == 5)

            let client = HTTPClient.shared
            let uploader = Uploader(
                store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: hub.url)!,
                settings: configuration.upload, client: client, clock: clock, token: hub.token, signal: UploadSignal(),
                logger: Logger(label: "test-uploader"))
            let batch = IngestBatch(
                device: Self.device, centre: Self.thimphu,
                presses: try device.store.unsent(device: Self.device, limit: 100),
                clock: ClockSample(
                    boot: "boot-1", monotonicNanos: clock.monotonicNanos(), wallClockMillis: clock.wallClockMillis(),
                    synchronised: clock.isSynchronised()))
            #expect(try await uploader.drain() == 5)
            #expect(try device.store.summary().backlog == 0)

            let satisfaction = try await heatmap(client, hub, .satisfaction)
            #expect(
                satisfaction.counted == [
                    HeatmapCell(weekday: 1, hour: 9, count: 2, index: 83),  // very happy (4) and happy (3)
                    HeatmapCell(weekday: 2, hour: 14, count: 1, index: 33),  // unhappy (2)
                    HeatmapCell(weekday: 4, hour: 3, count: 1, index: 0),  // very unhappy (1)
                ])
            let accessibility = try await heatmap(client, hub, .accessibility)
            #expect(accessibility.counted == [HeatmapCell(weekday: 1, hour: 9, count: 1, index: 100)])

            // The same batch again (a retry after a lost reply): nothing changes.
            let receipt = try await uploader.upload(batch)
            #expect(receipt.accepted == 0)
            #expect(receipt.duplicates == 5)
            #expect(receipt.highestSequence == 5)
            #expect(try await heatmap(client, hub, .satisfaction) == satisfaction)
            #expect(try await heatmap(client, hub, .accessibility) == accessibility)
            #expect(try hub.database.pressCount() == 5)
        }
    }

    @Test func aBackloggedDeviceCatchesUpInSeveralBatchesOnceTheHubAnswers() async throws {
        try await withHub { hub in
            var configuration = DeviceConfiguration(
                device: Self.device, centre: Self.thimphu, hub: hub.url, stateDirectory: hub.directory + "/device")
            configuration.upload.batchSize = 7
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
            let clock = SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 8, 0))
            // 32 presses a minute apart from 10:00 on a Monday, cycling through the satisfaction faces.
            let steps = (0..<32).map { index in
                PressScript.Step(
                    button: index % 4,
                    atNanos: clock.monotonicNanos(atWallClock: Self.bhutan(2026, 11, 2, 10, 0) + Int64(index) * 60_000))
            }
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
                configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            let recorder = device.recorder(clock: clock, boot: "test-boot")
            try await source.run { output in try recorder.handle(output) }

            let client = HTTPClient.shared
            let uploader = Uploader(
                store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: hub.url)!,
                settings: configuration.upload, client: client, clock: clock, token: hub.token, signal: UploadSignal(),
                logger: Logger(label: "test-uploader"))
            #expect(try await uploader.drain() == 32)
            let cells = try await heatmap(client, hub, .satisfaction).counted
            #expect(cells == [HeatmapCell(weekday: 1, hour: 10, count: 32, index: 50)])
        }
    }

    @Test func aHubThatIsDownLeavesPressesQueuedAndUnmarked() async throws {
        let directory = try temporaryDirectory()
        var configuration = DeviceConfiguration(
            device: Self.device, centre: Self.thimphu, hub: "http://127.0.0.1:9", stateDirectory: directory)
        configuration.upload.requestTimeoutMillis = 1_000
        let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
        let clock = SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 8, 0))
        let recorder = device.recorder(clock: clock, boot: "test-boot")
        let source = ScriptedButtonSource(
            edges: PressScript.edges(for: [PressScript.Step(button: 0, atNanos: 1_000_000_000)]),
            buttons: device.buttonSpecs, configuration: configuration.debounce.debouncerConfiguration, clock: clock)
        try await source.run { output in try recorder.handle(output) }
        let client = HTTPClient.shared
        let uploader = Uploader(
            store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: configuration.hub)!,
            settings: configuration.upload, client: client, clock: clock, token: "smiley_unused",
            signal: UploadSignal(),
            logger: Logger(label: "test-uploader"))
        await #expect(throws: (any Error).self) { try await uploader.drain() }
        #expect(try device.store.summary().backlog == 1)
    }

    @Test func aDeviceThatBootedIn1970HasItsPressesPlacedOnceItsClockIsSet() async throws {
        try await withHub { hub in
            let configuration = DeviceConfiguration(
                device: Self.device, centre: Self.thimphu, hub: hub.url, stateDirectory: hub.directory + "/device")
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
            let client = HTTPClient.shared
            let button = { (answer: Answer) in configuration.buttons.firstIndex { $0.answer == answer }! }
            func press(_ answer: Answer, atSeconds seconds: Int64, clock: SimulatedClock, boot: String) async throws {
                let source = ScriptedButtonSource(
                    edges: PressScript.edges(for: [
                        PressScript.Step(button: button(answer), atNanos: seconds * 1_000_000_000)
                    ]),
                    buttons: device.buttonSpecs, configuration: configuration.debounce.debouncerConfiguration,
                    clock: clock)
                let recorder = device.recorder(clock: clock, boot: boot)
                try await source.run { output in try recorder.handle(output) }
            }
            // An earlier boot that never reached a time server nor the hub: its press stays uncertain.
            let lostBoot = SimulatedClock(bootWallClockMillis: 0, synchronised: false)
            try await press(.veryUnhappy, atSeconds: 100, clock: lostBoot, boot: "boot-lost")
            // This boot starts at 1970 too; a press 20 minutes in, then NTP sets the clock.
            let clock = SimulatedClock(bootWallClockMillis: 0, synchronised: false)
            try await press(.veryHappy, atSeconds: 1200, clock: clock, boot: "boot-now")
            // Booted at 09:00 on Monday 2 November 2026 in Thimphu: at 3600 s it is 10:00.
            clock.advance(toMonotonic: 3600 * 1_000_000_000)
            clock.setWallClock(millis: Self.bhutan(2026, 11, 2, 10, 0))
            let uploader = Uploader(
                store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: hub.url)!,
                settings: configuration.upload, client: client, clock: clock, boot: "boot-now", token: hub.token,
                signal: UploadSignal(),
                logger: Logger(label: "test-uploader"))
            #expect(try await uploader.drain() == 2)
            let heatmap = try await heatmap(client, hub, .satisfaction)
            // 09:20 local, Monday: only the press of the boot whose clock became known.
            #expect(heatmap.counted == [HeatmapCell(weekday: 1, hour: 9, count: 1, index: 100)])
            #expect(heatmap.timeUncertainPresses == 1)
        }
    }

    @Test func aReplyLostAfterTheHubCommittedMakesTheRetryAddNothing() async throws {
        try await withHub { hub in
            let hubPort = Int(hub.url.split(separator: ":").last!)!
            let proxy = try ReplyDroppingProxy(upstreamPort: hubPort, dropReplies: 1)
            defer { proxy.stop() }
            var configuration = DeviceConfiguration(
                device: Self.device, centre: Self.thimphu, hub: "http://127.0.0.1:\(proxy.port)",
                stateDirectory: hub.directory + "/device")
            // A bound, not a speed: a slow reply on a busy machine must not be taken for the cut one.
            configuration.upload.requestTimeoutMillis = 60_000
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
            let clock = SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 9, 0))
            let steps = (0..<20).map { index in
                PressScript.Step(button: index % 7, atNanos: Int64(60 + index * 10) * 1_000_000_000)
            }
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
                configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            let recorder = device.recorder(clock: clock, boot: "boot-1")
            try await source.run { output in try recorder.handle(output) }
            let uploader = Uploader(
                store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: configuration.hub)!,
                settings: configuration.upload, client: HTTPClient.shared, clock: clock, boot: "boot-1",
                token: hub.token, signal: UploadSignal(), logger: Logger(label: "test-uploader"))
            // The first upload reaches the hub, which commits; its reply is cut.
            await #expect(throws: (any Error).self) { try await uploader.drain() }
            #expect(try hub.database.pressCount() == 20)
            #expect(try device.store.summary().backlog == 20)
            // The retry: the hub already holds all of them.
            #expect(try await uploader.drain() == 20)
            #expect(try hub.database.pressCount() == 20)
            #expect(try device.store.summary().backlog == 0)
            #expect(proxy.forwarded == 3)  // the status query, the cut upload, the retry
            let total =
                try await heatmap(HTTPClient.shared, hub, .satisfaction).cells.reduce(0) { $0 + $1.count }
                + heatmap(HTTPClient.shared, hub, .accessibility).cells.reduce(0) { $0 + $1.count }
            #expect(total == 20)
        }
    }

    @Test(arguments: [1, 3, 5])
    func anUploadCutShortAndRestartedLosesNothingAndDuplicatesNothing(cutAfterBatches: Int) async throws {
        try await withHub { hub in
            var configuration = DeviceConfiguration(
                device: Self.device, centre: Self.thimphu, hub: hub.url, stateDirectory: hub.directory + "/device")
            configuration.upload.batchSize = 50
            let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
            let clock = SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 9, 0))
            let steps = (0..<300).map { index in
                PressScript.Step(button: index % 7, atNanos: Int64(60 + index * 10) * 1_000_000_000)
            }
            let source = ScriptedButtonSource(
                edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
                configuration: configuration.debounce.debouncerConfiguration, clock: clock)
            let recorder = device.recorder(clock: clock, boot: "boot-1")
            try await source.run { output in try recorder.handle(output) }
            func uploader() -> Uploader {
                Uploader(
                    store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: hub.url)!,
                    settings: configuration.upload, client: HTTPClient.shared, clock: clock, boot: "boot-1",
                    token: hub.token, signal: UploadSignal(), logger: Logger(label: "test-uploader"))
            }
            // The device dies mid-upload: its task is cancelled once the hub acknowledged
            // `cutAfterBatches` batches, as the next one starts. Then it starts again.
            let dying = uploader()
            let first = Task {
                try await dying.drain { sent in
                    if sent == cutAfterBatches * 50 { withUnsafeCurrentTask { $0?.cancel() } }
                }
            }
            let cut = await first.result
            #expect(throws: (any Error).self) { try cut.get() }
            // The cut landed where it claims: exactly those batches are marked on the device, and the
            // hub holds them, plus at most the batch under way (stored, its reply never heard).
            let marked = 300 - (try device.store.summary().backlog)
            let held = try hub.database.pressCount()
            #expect(marked == cutAfterBatches * 50)
            #expect(held == marked || held == marked + 50)
            _ = try await uploader().drain()
            #expect(try hub.database.pressCount() == 300)
            #expect(try device.store.summary().backlog == 0)
        }
    }

    @Test func aDeviceWhoseStoreWasReplacedContinuesTheNumberingAndOverwritesNothing() async throws {
        try await withHub { hub in
            let configuration = DeviceConfiguration(
                device: Self.device, centre: Self.thimphu, hub: hub.url, stateDirectory: hub.directory + "/old-card")
            func record(_ count: Int, into device: DeviceApplication, from start: Int64) async throws {
                let clock = SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 9, 0))
                let steps = (0..<count).map { index in
                    PressScript.Step(button: index % 7, atNanos: (start + Int64(index) * 10) * 1_000_000_000)
                }
                let source = ScriptedButtonSource(
                    edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
                    configuration: configuration.debounce.debouncerConfiguration, clock: clock)
                let recorder = device.recorder(clock: clock, boot: "boot-\(start)")
                try await source.run { output in try recorder.handle(output) }
            }
            func uploader(_ device: DeviceApplication) -> Uploader {
                Uploader(
                    store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: hub.url)!,
                    settings: configuration.upload, client: HTTPClient.shared,
                    clock: SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 12, 0)), boot: "boot-now",
                    token: hub.token, signal: UploadSignal(), logger: Logger(label: "test-uploader"))
            }
            let old = try DeviceApplication(configuration: configuration, logger: Logger(label: "old"))
            try await record(12, into: old, from: 60)
            #expect(try await uploader(old).drain() == 12)
            // A new SD card: an empty store, presses recorded offline before it reaches the hub.
            var replaced = configuration
            replaced.stateDirectory = hub.directory + "/new-card"
            let new = try DeviceApplication(configuration: replaced, logger: Logger(label: "new"))
            try await record(5, into: new, from: 1000)
            #expect(try await uploader(new).drain() == 5)
            #expect(try hub.database.pressCount() == 17)
            let status = try #require(try hub.database.deviceStatus(Self.device, nowMillis: 0))
            #expect(status.highestSequence == 17 && status.highestContiguousSequence == 17)
            // The new card goes on numbering after the hub's presses.
            try await record(1, into: new, from: 2000)
            #expect(try await uploader(new).drain() == 1)
            #expect(try hub.database.deviceStatus(Self.device, nowMillis: 0)?.highestSequence == 18)
        }
    }

    @Test func tenThousandPressesRecordedWhileTheHubIsDownArriveExactlyOnce() async throws {
        let directory = try temporaryDirectory()
        // Reserve a port, then leave it closed: the hub is down.
        let probe = try ReplyDroppingProxy(upstreamPort: 9, dropReplies: 0)
        let port = probe.port
        probe.stop()
        var configuration = DeviceConfiguration(
            device: Self.device, centre: Self.thimphu, hub: "http://127.0.0.1:\(port)",
            stateDirectory: directory + "/device")
        configuration.upload.requestTimeoutMillis = 2000
        let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "test-device"))
        let clock = SimulatedClock(bootWallClockMillis: Self.bhutan(2026, 11, 2, 0, 0))
        // 10,000 presses, one every 6 s on alternating panels (none suppressed), through the pipeline.
        let steps = (0..<10_000).map { index in
            PressScript.Step(
                button: index % 2 == 0 ? index / 2 % 4 : 4 + index / 2 % 3, atNanos: Int64(index) * 6_000_000_000 + 1)
        }
        let source = ScriptedButtonSource(
            edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
            configuration: configuration.debounce.debouncerConfiguration, clock: clock)
        let recorder = device.recorder(clock: clock, boot: "boot-1")
        try await source.run { output in try recorder.handle(output) }
        // The device was added at the hub, which is down now.
        let database = try HubDatabase(path: directory + "/hub/hub.sqlite")
        try database.addCentre(Centre(id: Self.thimphu, name: "Thimphu DCRC", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(Self.device, centre: Self.thimphu, nowMillis: 0).value
        let uploader = Uploader(
            store: device.store, device: Self.device, centre: Self.thimphu, hub: URL(string: configuration.hub)!,
            settings: configuration.upload, client: HTTPClient.shared, clock: clock, boot: "boot-1", token: token,
            signal: UploadSignal(), logger: Logger(label: "test-uploader"))
        await #expect(throws: (any Error).self) { try await uploader.drain() }
        #expect(try device.store.summary().backlog == 10_000)
        // The hub comes up (on a port of its own: the reserved one may have been handed to another test by now).
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(
            configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory + "/hub"),
            database: database, logger: Logger(label: "test-hub")
        ) { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test-hub"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let hubPort = try #require(await iterator.next())
            let reconnected = Uploader(
                store: device.store, device: Self.device, centre: Self.thimphu,
                hub: URL(string: "http://127.0.0.1:\(hubPort)")!, settings: configuration.upload,
                client: HTTPClient.shared, clock: clock, boot: "boot-1", token: token, signal: UploadSignal(),
                logger: Logger(label: "test-uploader"))
            var sent = 0
            for _ in 0..<100 where sent < 10_000 {
                do { sent += try await reconnected.drain() } catch { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(sent == 10_000)
            #expect(try database.pressCount() == 10_000)
            #expect(try device.store.summary().backlog == 0)
            #expect(try await reconnected.drain() == 0)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    // MARK: Helpers

    struct RunningHub {
        var url: String
        var directory: String
        var database: HubDatabase
        /// The token of `PressToHeatmapTests.device`, added to the Thimphu centre.
        var token: String
        /// A personal API token of an administrator, for reading heatmaps as a script would.
        var readToken: String
    }

    func withHub(_ body: (RunningHub) async throws -> Void) async throws {
        let directory = try temporaryDirectory()
        let database = try HubDatabase(path: directory + "/hub/hub.sqlite")
        try database.addCentre(Centre(id: Self.thimphu, name: "Thimphu DCRC", timeZone: "Asia/Thimphu"))
        let token = try database.addDevice(Self.device, centre: Self.thimphu, nowMillis: 0).value
        try database.addPerson("reader", role: .administrator, grants: [], passwordHash: nil, by: "test", nowMillis: 0)
        let readToken = try database.createAPIToken(
            for: "reader", name: "end-to-end", expiresMillis: nil, by: "test", nowMillis: 0
        ).token
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(
            configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory + "/hub"),
            database: database, logger: Logger(label: "test-hub")
        ) { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test-hub"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(
                    RunningHub(
                        url: "http://127.0.0.1:\(port)", directory: directory, database: database, token: token,
                        readToken: readToken))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func heatmap(_ client: HTTPClient, _ hub: RunningHub, _ question: Question) async throws -> HeatmapResponse {
        // The presses of these tests fall in November 2026.
        var request = HTTPClientRequest(
            url: "\(hub.url)/api/v1/centres/\(Self.thimphu)/heatmap?question=\(question)&from=2026-11-01&to=2026-11-30")
        request.headers.add(name: "Authorization", value: "Bearer \(hub.readToken)")
        let response = try await client.execute(request, timeout: .seconds(10))
        #expect(response.status == .ok)
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONDecoder().decode(HeatmapResponse.self, from: body)
    }
}

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("smiley-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

extension HeatmapResponse {
    /// The cells holding presses, with the index rounded as the all-time heatmap has it.
    var counted: [HeatmapCell] {
        cells.filter { $0.count > 0 }.map {
            HeatmapCell(weekday: $0.weekday, hour: $0.hour, count: $0.count, index: Int(($0.index ?? -1).rounded()))
        }
    }
}

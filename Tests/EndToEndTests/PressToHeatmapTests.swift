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
                settings: configuration.upload, client: client, clock: clock, signal: UploadSignal(),
                logger: Logger(label: "test-uploader"))
            let batch = IngestBatch(
                device: Self.device, centre: Self.thimphu, presses: try device.store.unsent(device: Self.device, limit: 100))
            #expect(try await uploader.drain() == 5)
            #expect(try device.store.summary().backlog == 0)

            let satisfaction = try await heatmap(client, hub, .satisfaction)
            #expect(
                satisfaction.cells == [
                    HeatmapCell(weekday: 1, hour: 9, count: 2, index: 83),  // very happy (4) and happy (3)
                    HeatmapCell(weekday: 2, hour: 14, count: 1, index: 33),  // unhappy (2)
                    HeatmapCell(weekday: 4, hour: 3, count: 1, index: 0),  // very unhappy (1)
                ])
            let accessibility = try await heatmap(client, hub, .accessibility)
            #expect(accessibility.cells == [HeatmapCell(weekday: 1, hour: 9, count: 1, index: 100)])

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
                settings: configuration.upload, client: client, clock: clock, signal: UploadSignal(),
                logger: Logger(label: "test-uploader"))
            #expect(try await uploader.drain() == 32)
            let cells = try await heatmap(client, hub, .satisfaction).cells
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
            settings: configuration.upload, client: client, clock: clock, signal: UploadSignal(),
            logger: Logger(label: "test-uploader"))
        await #expect(throws: (any Error).self) { try await uploader.drain() }
        #expect(try device.store.summary().backlog == 1)
    }

    // MARK: Helpers

    struct RunningHub {
        var url: String
        var directory: String
        var database: HubDatabase
    }

    func withHub(_ body: (RunningHub) async throws -> Void) async throws {
        let directory = try temporaryDirectory()
        let database = try HubDatabase(path: directory + "/hub/hub.sqlite")
        try database.addCentre(Centre(id: Self.thimphu, name: "Thimphu DCRC", timeZone: "Asia/Thimphu"))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(
            configuration: HubConfiguration(host: "127.0.0.1", port: 0, stateDirectory: directory + "/hub"),
            database: database, logger: Logger(label: "test-hub")
        ) { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [app], logger: Logger(label: "test-hub"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(RunningHub(url: "http://127.0.0.1:\(port)", directory: directory, database: database))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func heatmap(_ client: HTTPClient, _ hub: RunningHub, _ question: Question) async throws -> HeatmapResponse {
        let request = HTTPClientRequest(url: "\(hub.url)/api/v1/centres/\(Self.thimphu)/heatmap?question=\(question)")
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

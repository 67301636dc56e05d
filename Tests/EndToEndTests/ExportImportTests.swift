import AsyncHTTPClient
import Foundation
import Logging
import SmileyCore
import SmileyDevice
import SmileyHub
import Testing

/// A site offline for weeks: its backlog travels on a USB stick and is counted once.
@Suite struct ExportImportTests {
    let test = PressToHeatmapTests()

    /// A device with its token and signing key (its public half at the hub), that recorded `count`
    /// presses while offline.
    func offlineDevice(_ hub: PressToHeatmapTests.RunningHub, count: Int) async throws -> DeviceConfiguration {
        let configuration = DeviceConfiguration(
            device: PressToHeatmapTests.device, centre: PressToHeatmapTests.thimphu, hub: hub.url,
            stateDirectory: hub.directory + "/device")
        let device = try DeviceApplication(configuration: configuration, logger: Logger(label: "offline"))
        _ = FileManager.default.createFile(
            atPath: configuration.tokenPath, contents: Data(hub.token.utf8), attributes: [.posixPermissions: 0o600])
        let key = DeviceSigningKey.generate()
        try key.write(to: configuration.signingKeyPath)
        try hub.database.setSigningKey(configuration.device, publicKey: key.publicKeyBase64)
        let clock = SimulatedClock(bootWallClockMillis: PressToHeatmapTests.bhutan(2026, 11, 2, 8, 0))
        let steps = (0..<count).map { index in
            PressScript.Step(button: index % 7, atNanos: Int64(60 + index * 10) * 1_000_000_000)
        }
        let source = ScriptedButtonSource(
            edges: PressScript.edges(for: steps), buttons: device.buttonSpecs,
            configuration: configuration.debounce.debouncerConfiguration, clock: clock)
        let recorder = device.recorder(clock: clock, boot: "boot-1")
        try await source.run { output in try recorder.handle(output) }
        return configuration
    }

    @Test func anImportedBacklogCountsOnceAcrossARepeatedImportAndALaterSync() async throws {
        try await test.withHub { hub in
            let configuration = try await offlineDevice(hub, count: 1_200)
            let file = hub.directory + "/usb/backlog.smiley"
            try FileManager.default.createDirectory(atPath: hub.directory + "/usb", withIntermediateDirectories: true)
            var seen: [Int] = []
            #expect(
                try BacklogExport.export(configuration: configuration, to: file) { done, _ in seen.append(done) }
                    == 1_200)
            #expect(seen.last == 1_200)
            let data = try #require(FileManager.default.contents(atPath: file))
            let first = try hub.database.importBacklog(data, nowMillis: PressToHeatmapTests.bhutan(2026, 11, 20, 9, 0))
            #expect(first.accepted == 1_200 && first.duplicates == 0)
            let again = try hub.database.importBacklog(data, nowMillis: PressToHeatmapTests.bhutan(2026, 11, 20, 9, 5))
            #expect(again.accepted == 0 && again.duplicates == 1_200)
            // Weeks later the link is back: the device syncs what it still holds as unsent.
            let uploader = Uploader(
                store: try DeviceStore(path: configuration.storePath), device: configuration.device,
                centre: configuration.centre, hub: try configuration.hubURL, settings: configuration.upload,
                client: HTTPClient.shared, clock: SystemClock(), boot: "boot-now", token: hub.token,
                signal: UploadSignal(), logger: Logger(label: "sync"))
            #expect(try await uploader.drain() == 1_200)
            #expect(try hub.database.pressCount() == 1_200)
            let total =
                try hub.database.heatmap(centre: PressToHeatmapTests.thimphu, question: .satisfaction).totalCount
                + hub.database.heatmap(centre: PressToHeatmapTests.thimphu, question: .accessibility).totalCount
            #expect(total == 1_200)
        }
    }

    @Test func anAlteredFileIsRefusedAndNothingIsStored() async throws {
        try await test.withHub { hub in
            let configuration = try await offlineDevice(hub, count: 5)
            let file = hub.directory + "/backlog.smiley"
            _ = try BacklogExport.export(configuration: configuration, to: file)
            var export = try JSONDecoder().decode(
                ExportFile.self, from: try #require(FileManager.default.contents(atPath: file)))
            let text = String(decoding: export.payload, as: UTF8.self)
            #expect(text.contains(#""answer":"very-unhappy""#))
            export.payload = Data(
                text.replacingOccurrences(of: #""answer":"very-unhappy""#, with: #""answer":"very-happy""#).utf8)
            #expect {
                try hub.database.importBacklog(try JSONEncoder().encode(export), nowMillis: 0)
            } throws: { error in
                "\(error)".contains("signature does not match device 'thimphu-exit-1'")
            }
            #expect(try hub.database.pressCount() == 0)
        }
    }

    @Test func aFileFromARevokedDeviceIsRefused() async throws {
        try await test.withHub { hub in
            let configuration = try await offlineDevice(hub, count: 3)
            let file = hub.directory + "/backlog.smiley"
            _ = try BacklogExport.export(configuration: configuration, to: file)
            try hub.database.revokeDevice(PressToHeatmapTests.device, nowMillis: 1)
            let data = try #require(FileManager.default.contents(atPath: file))
            #expect {
                try hub.database.importBacklog(data, nowMillis: 2)
            } throws: { error in
                "\(error)".contains("whose token was revoked")
            }
            #expect(try hub.database.pressCount() == 0)
            #expect {
                try hub.database.importBacklog(Data("{}".utf8), nowMillis: 2)
            } throws: { error in
                "\(error)".contains("not a Smiley export file")
            }
        }
    }
}

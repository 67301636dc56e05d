import Foundation
import GRDB
import SmileyCore
import SmileyDevice
import Testing

@Suite struct MetricsTextfileTests {
    static func figures(stuck: [String] = ["GPIO5"], lastUpload: Int64? = 1_793_594_640_250) -> DeviceFigures {
        DeviceFigures(
            device: DeviceID(rawValue: "paro-exit-1")!, centre: CentreID(rawValue: "paro-dcrc")!,
            firmwareVersion: "0.1.0", nowMillis: 1_793_594_700_000, pressesStored: 42, pressesSuppressedSinceStart: 3,
            setAside: 1, stuckLines: stuck, lostGPIOEvents: 2, backlog: 5, oldestUnsentMillis: 1_793_594_580_500,
            lastUploadMillis: lastUpload, storageBytes: 65_536, freeDiskBytes: 1_000_000)
    }

    /// Each sample line, `series value`.
    static func samples(_ text: String) -> [String] {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    @Test func theFiguresBecomeSamplesWithTheirExactValues() {
        let samples = Self.samples(DeviceMetricsText.render(Self.figures()))
        #expect(
            samples == [
                #"smiley_device_info{device="paro-exit-1",centre="paro-dcrc",version="0.1.0"} 1"#,
                "smiley_device_presses_stored_total 42",
                "smiley_device_presses_suppressed_total 3",
                "smiley_device_presses_set_aside 1",
                "smiley_device_stuck_lines 1",
                #"smiley_device_line_stuck{line="GPIO5"} 1"#,
                "smiley_device_gpio_events_lost_total 2",
                "smiley_device_backlog_presses 5",
                "smiley_device_backlog_age_seconds 119.500",
                "smiley_device_last_upload_timestamp_seconds 1793594640.250",
                "smiley_device_storage_bytes 65536",
                "smiley_device_free_disk_bytes 1000000",
                "smiley_device_metrics_timestamp_seconds 1793594700.000",
            ])
    }

    @Test func everyMetricHasItsHelpAndTypeOnceAndNeverUploadedLeavesTheTimestampOut() {
        let text = DeviceMetricsText.render(Self.figures(stuck: [], lastUpload: nil))
        #expect(!text.contains("smiley_device_last_upload_timestamp_seconds"))
        #expect(!text.contains("smiley_device_line_stuck{"))
        #expect(text.contains("# TYPE smiley_device_line_stuck gauge\n"))
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(Set(types).count == types.count)
        #expect(text.hasSuffix("\n"))
    }

    @Test func aLineNameIsEscapedInItsLabel() {
        let text = DeviceMetricsText.render(Self.figures(stuck: [#"odd "line"\n"#]))
        #expect(text.contains(#"smiley_device_line_stuck{line="odd \"line\"\\n"} 1"#))
    }

    @Test func theFileIsReplacedWholeWithModeSixFourFourAndNoTemporaryLeftBehind() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("textfile-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = MetricsTextfile(directory: directory)
        try file.write(Self.figures())
        try file.write(Self.figures(stuck: []))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["smiley-device.prom"])
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        #expect(text == DeviceMetricsText.render(Self.figures(stuck: [])))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o644)
    }

    @Test func aMissingDirectoryIsNamedInTheError() {
        let directory = "/nonexistent-\(UUID())"
        do {
            try MetricsTextfile(directory: directory).write(Self.figures())
            Issue.record("wrote into a directory that does not exist")
        } catch {
            #expect(error.description.contains(directory))
            #expect(error.description.contains("No such file or directory"))
            #expect(error.description.contains("metricsTextfileDirectory"))
        }
    }

    @Test func theFiguresComeFromTheStoreAndTheHealth() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("figures-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = DeviceConfiguration(
            device: DeviceID(rawValue: "paro-exit-1")!, centre: CentreID(rawValue: "paro-dcrc")!,
            hub: "http://127.0.0.1:1", stateDirectory: directory)
        let store = try DeviceStore(path: configuration.storePath)
        for (index, suppressed) in [false, true, false].enumerated() {
            _ = try store.record(
                RecordedPress(
                    boot: "b", answer: .happy, monotonicNanos: Int64(index), wallClockMillis: 1000 + Int64(index),
                    clockSynchronised: true, suppressed: suppressed),
                recordedAtMillis: 10_000 + Int64(index) * 1000)
        }
        let figures = try MetricsTextfile.figures(
            configuration: configuration, store: store, health: DeviceHealth(), nowMillis: 20_000)
        #expect(figures.pressesStored == 3)
        #expect(figures.backlog == 3)
        #expect(figures.oldestUnsentMillis == 10_000)
        #expect(figures.lastUploadMillis == nil)
        #expect(figures.storageBytes > 0)
        #expect(Self.samples(DeviceMetricsText.render(figures)).contains("smiley_device_backlog_age_seconds 10.000"))
    }

    @Test func aRelativeDirectoryIsRefusedByName() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let json = #"""
            {"device": "paro-exit-1", "centre": "paro-dcrc", "hub": "http://127.0.0.1:8080",
             "stateDirectory": "/tmp/x", "metricsTextfileDirectory": "metrics"}
            """#
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        do {
            _ = try DeviceConfiguration.load(path: path)
            Issue.record("a relative metrics directory was accepted")
        } catch {
            #expect(error.description.contains("metricsTextfileDirectory"))
            #expect(error.description.contains("absolute path"))
        }
        let absolute = json.replacingOccurrences(of: "\"metrics\"", with: "\"/var/lib/prometheus/node-exporter\"")
        _ = FileManager.default.createFile(atPath: path, contents: Data(absolute.utf8))
        #expect(
            try DeviceConfiguration.load(path: path).metricsTextfileDirectory == "/var/lib/prometheus/node-exporter")
    }
}
